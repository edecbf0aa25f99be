import { ErrorCode } from '../../../protocol/error-codes.js';
import { DeleteRecords, type DeleteRecordsResponseDeleteRecordsPartitionResult, type Input } from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';

/** Kafka's "delete up to the high watermark" offset. */
const HIGH_WATERMARK = -1n;

function deleteBefore(topic: string, partitionIndex: number, offset: bigint, ctx: RequestContext): Input<DeleteRecordsResponseDeleteRecordsPartitionResult> {
  const p = ctx.cluster.partition(topic, partitionIndex);
  const failed = (errorCode: number) => ({ partitionIndex, lowWatermark: -1n, errorCode });
  if (p === undefined) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (p.leader !== ctx.broker.id) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const log = p.log;
  const target = offset === HIGH_WATERMARK ? log.logEndOffset : offset;
  if (target < 0n || target > log.logEndOffset) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
  // Below the current start it is a no-op: the log start never moves back.
  log.truncateBefore(target);
  return { partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
}

/** DeleteRecords, answered by each partition's leader: moves the log start forward. */
export const deleteRecordsHandler = defineHandler(
  DeleteRecords,
  { min: 0, max: 2 },
  (request, ctx) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => deleteBefore(t.name, p.partitionIndex, p.offset, ctx)),
    })),
  }),
  (request, code) => ({
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: code })),
    })),
  }),
);
