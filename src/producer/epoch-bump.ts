import type { ClusterClient } from '../cluster/index.js';
import { initProducerId, type ProducerIdentity } from './identity.js';

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
