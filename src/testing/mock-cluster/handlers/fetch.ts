import { map, merge, Observable, of, take, timer } from 'rxjs';
import { IsolationLevel } from '../../../protocol/enums.js';
import { ErrorCode } from '../../../protocol/error-codes.js';
import {
  Fetch,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
  type Input,
} from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import type { PartitionState, TopicState } from '../state.js';

interface Target {
  topic: TopicState | undefined;
  name: string;
  topicId: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
}

function targets(request: FetchRequest, ctx: RequestContext): Target[] {
  const byId = ctx.apiVersion >= 13;
  return request.topics.flatMap((t) => {
    const topic = byId ? ctx.cluster.topicById(t.topicId) : ctx.cluster.topics.get(t.topic);
    return t.partitions.map((p) => ({
      topic,
      name: topic?.name ?? t.topic,
      topicId: t.topicId,
      partition: p.partition,
      fetchOffset: p.fetchOffset,
      partitionMaxBytes: p.partitionMaxBytes,
    }));
  });
}

/** A replica in sync in the consumer's rack other than this leader, or -1 (the leader serves). */
function preferredReplica(p: PartitionState, ctx: RequestContext, rackId: string): number {
  if (ctx.broker.rack === rackId) return -1;
  const id = p.isr.find((b) => b !== ctx.broker.id && ctx.cluster.brokers.get(b)?.rack === rackId && ctx.cluster.brokers.get(b)?.up === true);
  return id ?? -1;
}

/** What one partition answers now, and how many record bytes that is. */
function readPartition(
  target: Target,
  p: PartitionState | undefined,
  ctx: RequestContext,
  isolation: number,
  budget: number,
  rackId: string,
): { data: Input<FetchResponsePartitionData>; bytes: number } {
  const base = { partitionIndex: target.partition, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n };
  if (target.topic === undefined || p === undefined) {
    const unknown = target.topic === undefined && ctx.apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return { data: { ...base, errorCode: unknown, records: Buffer.alloc(0) }, bytes: 0 };
  }
  // KIP-392: a consumer naming its rack may read from a follower in sync (replication is instant here)
  const followerRead = ctx.apiVersion >= 11 && rackId !== '' && p.replicas.includes(ctx.broker.id) && p.isr.includes(ctx.broker.id);
  if (p.leader !== ctx.broker.id && !followerRead) {
    return {
      data: { ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: p.leader, leaderEpoch: p.leaderEpoch }, records: Buffer.alloc(0) },
      bytes: 0,
    };
  }
  const log = p.log;
  const positions = { highWatermark: log.logEndOffset, lastStableOffset: log.lastStableOffset, logStartOffset: log.logStartOffset };
  if (target.fetchOffset < log.logStartOffset || target.fetchOffset > log.logEndOffset) {
    return { data: { ...base, ...positions, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: Buffer.alloc(0) }, bytes: 0 };
  }
  const preferred = p.leader === ctx.broker.id && ctx.apiVersion >= 11 && rackId !== '' ? preferredReplica(p, ctx, rackId) : -1;
  if (preferred >= 0) {
    return { data: { ...base, ...positions, errorCode: 0, preferredReadReplica: preferred, records: Buffer.alloc(0) }, bytes: 0 };
  }
  const upTo = isolation === IsolationLevel.READ_COMMITTED ? log.lastStableOffset : log.logEndOffset;
  const batches = budget > 0 ? log.read(target.fetchOffset, Math.min(target.partitionMaxBytes, budget), upTo) : [];
  const records = batches.length === 1 ? batches[0].bytes : Buffer.concat(batches.map((b) => b.bytes));
  const aborted = isolation === IsolationLevel.READ_COMMITTED ? log.abortedTransactions(target.fetchOffset, upTo) : null;
  return {
    data: { ...base, ...positions, errorCode: 0, abortedTransactions: aborted, preferredReadReplica: -1, records },
    bytes: records.length,
  };
}

function respond(request: FetchRequest, ctx: RequestContext, wanted: Target[]): { body: Input<FetchResponse>; bytes: number } {
  let budget = request.maxBytes;
  let total = 0;
  const byTopic = new Map<string, { topic: string; topicId: string; partitions: Array<Input<FetchResponsePartitionData>> }>();
  for (const t of wanted) {
    const p = t.topic?.partitions[t.partition];
    const { data, bytes } = readPartition(t, p, ctx, request.isolationLevel, total === 0 ? Math.max(budget, 1) : budget, request.rackId ?? '');
    budget -= bytes;
    total += bytes;
    const key = t.topicId + t.name;
    let entry = byTopic.get(key);
    if (entry === undefined) {
      entry = { topic: t.name, topicId: t.topic?.topicId ?? t.topicId, partitions: [] };
      byTopic.set(key, entry);
    }
    entry.partitions.push(data);
  }
  return { body: { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [...byTopic.values()] }, bytes: total };
}

/**
 * Fetch with long polling: when less than minBytes is there, wait (on the cluster's scheduler)
 * until a requested partition grows or maxWaitMs passes, then answer with what there is.
 */
function fetch(request: FetchRequest, ctx: RequestContext): Observable<Input<FetchResponse>> {
  const wanted = targets(request, ctx);
  const first = respond(request, ctx, wanted);
  if (first.bytes >= Math.max(request.minBytes, 1) || request.maxWaitMs <= 0) return of(first.body);
  const growth = wanted.flatMap((t) => {
    const p = t.topic?.partitions[t.partition];
    return p && p.replicas.includes(ctx.broker.id) ? [p.log.appended$] : [];
  });
  return merge(timer(request.maxWaitMs, ctx.cluster.scheduler), ...growth).pipe(
    take(1),
    map(() => respond(request, ctx, wanted).body),
  );
}

export const fetchHandler = defineHandler(Fetch, { min: 0, max: 17 }, fetch, (request, code) => ({
  errorCode: 0,
  responses: request.topics.map((t) => ({
    topic: t.topic,
    topicId: t.topicId,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: code, highWatermark: -1n, records: Buffer.alloc(0) })),
  })),
}));
