import { IsolationLevel } from '../../../protocol/enums.js';
import { ErrorCode } from '../../../protocol/error-codes.js';
import { ListOffsets, type Input, type ListOffsetsResponseListOffsetsPartitionResponse } from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import type { PartitionState } from '../state.js';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;

function lookup(
  p: PartitionState,
  timestamp: bigint,
  isolation: number,
): { offset: bigint; timestamp: bigint } {
  const log = p.log;
  const end = isolation === IsolationLevel.READ_COMMITTED ? log.lastStableOffset : log.logEndOffset;
  if (timestamp === LATEST) return { offset: end, timestamp: -1n };
  if (timestamp === EARLIEST) return { offset: log.logStartOffset, timestamp: -1n };
  if (timestamp === MAX_TIMESTAMP) {
    let best: { offset: bigint; timestamp: bigint } = { offset: -1n, timestamp: -1n };
    for (const b of log.batches) {
      if (BigInt(b.info.maxTimestamp) > best.timestamp) best = { offset: b.lastOffset, timestamp: BigInt(b.info.maxTimestamp) };
    }
    return best;
  }
  const found = log.offsetForTimestamp(Number(timestamp));
  return found ? { offset: found.offset, timestamp: BigInt(found.timestamp) } : { offset: end, timestamp: -1n };
}

function answer(
  topicName: string,
  partitionIndex: number,
  timestamp: bigint,
  isolation: number,
  ctx: RequestContext,
): Input<ListOffsetsResponseListOffsetsPartitionResponse> {
  const p = ctx.cluster.partition(topicName, partitionIndex);
  if (p === undefined) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offset: -1n, timestamp: -1n };
  if (p.leader !== ctx.broker.id) return { partitionIndex, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, offset: -1n, timestamp: -1n };
  const found = lookup(p, timestamp, isolation);
  return {
    partitionIndex,
    errorCode: 0,
    // v0 answers with a list of offsets instead of one
    oldStyleOffsets: ctx.apiVersion === 0 ? [found.offset] : [],
    offset: found.offset,
    timestamp: found.timestamp,
    leaderEpoch: p.leaderEpoch,
  };
}

export const listOffsetsHandler = defineHandler(
  ListOffsets,
  { min: 0, max: 10 },
  (request, ctx) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => answer(t.name, p.partitionIndex, p.timestamp, request.isolationLevel, ctx)),
    })),
  }),
  (request, code) => ({
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code, offset: -1n, timestamp: -1n })),
    })),
  }),
);
