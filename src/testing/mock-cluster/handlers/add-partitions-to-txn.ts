import { ErrorCode } from '../../../protocol/error-codes.js';
import {
  AddPartitionsToTxn,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  type AddPartitionsToTxnResponse,
  type AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
  type Input,
} from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import type { TransactionPartition } from '../transaction-coordinator.js';

/** From v4 the request batches transactions (a broker verifying for its produce path). */
const BATCHED_FROM = 4;

type TopicResults = Array<Input<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult>>;

interface TxnAsk {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: AddPartitionsToTxnRequestAddPartitionsToTxnTopic[];
}

function every(topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[], code: (topic: string, p: number) => number): TopicResults {
  return topics.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: code(t.name, partitionIndex) })),
  }));
}

/**
 * One transaction's partitions: an error about the transaction goes to every partition; an
 * unknown partition fails alone and the others are not attempted (as Kafka answers).
 * verifyOnly adds nothing and says, per partition, whether it is already in the transaction.
 */
function addTo(ask: TxnAsk, ctx: RequestContext): TopicResults {
  if (ctx.cluster.coordinatorFor(ask.transactionalId) !== ctx.broker) return every(ask.topics, () => ErrorCode.NOT_COORDINATOR);
  const coordinator = ctx.cluster.transactions;
  const fenced = ctx.apiVersion >= 2 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
  const v = coordinator.validate(ask.transactionalId, ask.producerId, ask.producerEpoch, fenced);
  if (v.txn === undefined) {
    const code = v.errorCode;
    return every(ask.topics, () => code);
  }
  const txn = v.txn;
  if (ask.verifyOnly) {
    return every(ask.topics, (topic, p) => {
      const state = ctx.cluster.partition(topic, p);
      return state !== undefined && coordinator.inTransaction(txn.producerId, txn.epoch, state) ? 0 : ErrorCode.INVALID_TXN_STATE;
    });
  }
  const found: TransactionPartition[] = [];
  let unknown = false;
  for (const t of ask.topics) {
    for (const partition of t.partitions) {
      const state = ctx.cluster.partition(t.name, partition);
      if (state === undefined) unknown = true;
      else found.push({ topic: t.name, partition, state });
    }
  }
  if (unknown) {
    return every(ask.topics, (topic, p) =>
      ctx.cluster.partition(topic, p) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
    );
  }
  coordinator.addPartitions(txn, found);
  return every(ask.topics, () => 0);
}

function addPartitionsToTxn(request: AddPartitionsToTxnRequest, ctx: RequestContext): Input<AddPartitionsToTxnResponse> {
  if (ctx.apiVersion < BATCHED_FROM) {
    const ask: TxnAsk = {
      transactionalId: request.v3AndBelowTransactionalId,
      producerId: request.v3AndBelowProducerId,
      producerEpoch: request.v3AndBelowProducerEpoch,
      verifyOnly: false,
      topics: request.v3AndBelowTopics,
    };
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow: addTo(ask, ctx) };
  }
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    resultsByTransaction: request.transactions.map((t) => ({ transactionalId: t.transactionalId, topicResults: addTo(t, ctx) })),
  };
}

export const addPartitionsToTxnHandler = defineHandler(AddPartitionsToTxn, { min: 0, max: 5 }, addPartitionsToTxn, (request, code, ctx) =>
  ctx.apiVersion < BATCHED_FROM
    ? { throttleTimeMs: 0, resultsByTopicV3AndBelow: every(request.v3AndBelowTopics, () => code) }
    : { throttleTimeMs: 0, errorCode: code, resultsByTransaction: [] },
);
