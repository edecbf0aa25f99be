import { firstValueFrom, type Observable } from 'rxjs';
import type { ClusterClient, RequestTarget } from '../cluster/index.js';
import { kafkaErrorFromCode } from '../protocol/error-codes.js';
import { InitProducerId } from '../protocol/messages/index.js';

/** The producer id and epoch an idempotent (or transactional) producer writes with. */
export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
}

export const NO_IDENTITY: ProducerIdentity = { producerId: -1n, producerEpoch: -1 };

/**
 * InitProducerId: a fresh id for an idempotent producer (any broker answers), or, with a
 * transactionalId, the id bound to it with its epoch bumped (its coordinator answers, and an
 * older producer with that id is fenced from then on).
 */
export async function initProducerId(
  client: ClusterClient,
  target: RequestTarget,
  transactionalId: string | null,
  transactionTimeoutMs: number,
  current: ProducerIdentity = NO_IDENTITY,
): Promise<ProducerIdentity> {
  const res$: Observable<{ errorCode: number; producerId: bigint; producerEpoch: number }> = client.request(target, InitProducerId, {
    transactionalId,
    transactionTimeoutMs,
    producerId: current.producerId,
    producerEpoch: current.producerEpoch,
  });
  const res = await firstValueFrom(res$);
  if (res.errorCode !== 0) throw kafkaErrorFromCode(res.errorCode, `InitProducerId${transactionalId ? ` for ${transactionalId}` : ''}`);
  return { producerId: res.producerId, producerEpoch: res.producerEpoch };
}
