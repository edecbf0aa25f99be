import type { ClusterClient } from '../cluster/index.js';
import { initProducerId, type ProducerIdentity } from './identity.js';
import type { ProducerBatch } from './producer-batch.js';

const MAX_SEQUENCE = 0x7fffffff;

/**
 * A new identity for an idempotent producer whose sequences have a gap (KIP-360): InitProducerId
 * with the current id and epoch bumps the epoch (brokers from InitProducerId v3 on). A broker
 * that refuses the bump still hands out a fresh producer id, which serves as well: either way
 * the broker forgets the old sequences and expects 0 again.
 */
export async function bumpEpoch(client: ClusterClient, current: ProducerIdentity, transactionTimeoutMs: number): Promise<ProducerIdentity> {
  try {
    return await initProducerId(client, 'any', null, transactionTimeoutMs, current);
  } catch {
    return initProducerId(client, 'any', null, transactionTimeoutMs);
  }
}

/**
 * Moves unsent batches to `identity` with sequences from 0 per partition, in the order given
 * (send order), and returns the next sequence of every partition that has one.
 */
export function restampBatches(batches: readonly ProducerBatch[], identity: ProducerIdentity): Map<string, number> {
  const next = new Map<string, number>();
  for (const b of batches) {
    const key = `${b.topic}\u0000${b.partition}`;
    const seq = next.get(key) ?? 0;
    b.restamp(identity.producerId, identity.producerEpoch, seq);
    next.set(key, (seq + b.count) % (MAX_SEQUENCE + 1));
  }
  return next;
}
