import { ErrorCode } from '../../../protocol/error-codes.js';
import { Produce, type Input, type ProduceRequest, type ProduceResponse } from '../../../protocol/messages/index.js';
import { appendRecords } from '../append.js';
import { defineHandler, NO_RESPONSE, type RequestContext } from '../handler.js';
import { TOPIC_CONFIG_DEFAULTS } from '../state.js';

function shaped(request: ProduceRequest, codeOf: (topic: string, index: number) => number): Input<ProduceResponse> {
  return {
    responses: request.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: codeOf(t.name, p.index), baseOffset: -1n })),
    })),
  };
}

async function produce(request: ProduceRequest, ctx: RequestContext): Promise<Input<ProduceResponse>> {
  const { cluster, broker } = ctx;
  const responses = [];
  for (const t of request.topicData) {
    const topic = cluster.topics.get(t.name);
    const partitionResponses = [];
    for (const pd of t.partitionData) {
      const p = topic?.partitions[pd.index];
      const base = { index: pd.index, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n };
      if (p === undefined) {
        partitionResponses.push({ ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
      } else if (p.leader !== broker.id) {
        partitionResponses.push({ ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: p.leader, leaderEpoch: p.leaderEpoch } });
      } else {
        const limit = Number(topic?.configs.get('max.message.bytes') ?? TOPIC_CONFIG_DEFAULTS.get('max.message.bytes'));
        const result = await appendRecords(cluster, p, pd.records ?? Buffer.alloc(0), request.transactionalId, limit);
        partitionResponses.push({
          ...base,
          errorCode: result.errorCode,
          errorMessage: result.errorMessage,
          baseOffset: result.baseOffset,
          logStartOffset: p.log.logStartOffset,
        });
      }
    }
    responses.push({ name: t.name, partitionResponses });
  }
  return { responses, throttleTimeMs: 0 };
}

export const produceHandler = defineHandler(
  Produce,
  { min: 0, max: 11 },
  async (request, ctx) => {
    const response = await produce(request, ctx);
    return request.acks === 0 ? NO_RESPONSE : response;
  },
  (request, code) => shaped(request, () => code),
);
