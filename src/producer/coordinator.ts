import { defer, firstValueFrom, map } from 'rxjs';
import type { ClusterClient } from '../cluster/index.js';
import { KafkaError } from '../errors.js';
import { retryBackoff } from '../operators/retry-backoff.js';
import { kafkaErrorFromCode } from '../protocol/error-codes.js';
import { FindCoordinator } from '../protocol/messages/index.js';

export const COORDINATOR_GROUP = 0;
export const COORDINATOR_TRANSACTION = 1;

/**
 * The broker coordinating a group or a transactional id. COORDINATOR_NOT_AVAILABLE and
 * COORDINATOR_LOAD_IN_PROGRESS are retriable, so the lookup is retried with backoff.
 */
export function findCoordinator(client: ClusterClient, key: string, keyType: number): Promise<number> {
  return firstValueFrom(
    defer(() =>
      client.request('any', FindCoordinator, (version) =>
        version >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType },
      ),
    ).pipe(
      map((res) => {
        const answer = res.coordinators.length > 0 ? res.coordinators[0] : res;
        if (answer.errorCode !== 0) throw kafkaErrorFromCode(answer.errorCode, `coordinator for ${key}`);
        if (answer.nodeId < 0) throw new KafkaError(`no coordinator for ${key}`, { retriable: true });
        return answer.nodeId;
      }),
      retryBackoff({ maxRetries: 10, initialDelayMs: 50, maxDelayMs: 1000 }),
    ),
  );
}
