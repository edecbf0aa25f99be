import { ErrorCode } from '../../../protocol/error-codes.js';
import { CreatePartitions, type CreatePartitionsRequestCreatePartitionsTopic } from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { PartitionLog } from '../partition-log.js';
import { duplicates, notController, replicaProblem } from './admin-rules.js';

/** New partitions' replica lists, or the error the topic gets. */
function plan(t: CreatePartitionsRequestCreatePartitionsTopic, ctx: RequestContext): number[][] | { code: number; message: string } {
  const { cluster } = ctx;
  const topic = cluster.topics.get(t.name);
  if (topic === undefined) return { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `The topic '${t.name}' does not exist.` };
  const current = topic.partitions.length;
  if (t.count <= current) {
    return {
      code: ErrorCode.INVALID_PARTITIONS,
      message: t.count === current ? `Topic already has ${current} partitions.` : `Topic currently has ${current} partitions, which is higher than the requested ${t.count}.`,
    };
  }
  const added = t.count - current;
  const rf = topic.partitions[0]?.replicas.length ?? Math.min(3, cluster.brokers.size);
  if (t.assignments === null) {
    const ids = [...cluster.brokers.keys()].sort((a, b) => a - b);
    return Array.from({ length: added }, (_, i) => cluster.newPartition(current + i, ids, rf).replicas);
  }
  if (t.assignments.length !== added) {
    return { code: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Increasing the number of partitions by ${added} but ${t.assignments.length} assignments provided.` };
  }
  const known = new Set(cluster.brokers.keys());
  for (const a of t.assignments) {
    const problem = replicaProblem(a.brokerIds, known);
    if (problem !== null) return { code: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: problem };
    if (a.brokerIds.length !== rf) return { code: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Inconsistent replication factor: expected ${rf} replicas.` };
  }
  return t.assignments.map((a) => [...a.brokerIds]);
}

export const createPartitionsHandler = defineHandler(
  CreatePartitions,
  { min: 0, max: 3 },
  (request, ctx) => {
    if (notController(ctx)) {
      return {
        throttleTimeMs: 0,
        results: request.topics.map((t) => ({ name: t.name, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'This is not the correct controller for this cluster.' })),
      };
    }
    const twice = duplicates(request.topics.map((t) => t.name));
    const results = request.topics.map((t) => {
      if (twice.has(t.name)) return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' };
      const replicas = plan(t, ctx);
      if (!Array.isArray(replicas)) return { name: t.name, errorCode: replicas.code, errorMessage: replicas.message };
      const topic = ctx.cluster.topics.get(t.name);
      if (!request.validateOnly && topic !== undefined) {
        for (const r of replicas) {
          topic.partitions.push({ index: topic.partitions.length, leader: r[0], replicas: r, isr: [...r], leaderEpoch: 0, log: new PartitionLog() });
        }
      }
      return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
    });
    return { throttleTimeMs: 0, results };
  },
  (request, code) => ({ results: request.topics.map((t) => ({ name: t.name, errorCode: code, errorMessage: null })) }),
);
