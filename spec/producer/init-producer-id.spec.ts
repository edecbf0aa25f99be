import { describe, expect, it } from 'vitest';
import { ErrorCode, InitProducerId } from '../../src/protocol/index.js';
import { KafkaBrokerError } from '../../src/index.js';
import { memoryCluster } from '../support/memory-cluster.js';

/**
 * InitProducerId refused for good (not retriable): the records waiting for the producer id
 * fail with the broker's typed error, its code on it, never a plain Error, and nothing is
 * written.
 */
describe('InitProducerId refused', () => {
  it('an idempotent producer fails send() with the typed broker error and its code (CLUSTER_AUTHORIZATION_FAILED)', async () => {
    const { time, cluster, client, done } = await memoryCluster(['t']);
    cluster.injectErrors('InitProducerId', [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    const producer = client.producer({ idempotent: true });
    const error: unknown = await time.run(() => producer.send({ topic: 't', partition: 0, value: 'v' }).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(KafkaBrokerError);
    expect(error).toMatchObject({ code: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorName: 'CLUSTER_AUTHORIZATION_FAILED', retriable: false });
    expect(cluster.records('t', 0)).toHaveLength(0);
    await time.run(() => producer.close());
    await done();
  });

  it('a transactional producer fails the transaction with the typed broker error and its code (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)', async () => {
    const { time, cluster, client, done } = await memoryCluster(['t']);
    const inits: number[] = [];
    const sub = cluster.requests$.subscribe((r) => r.apiKey === InitProducerId.apiKey && inits.push(r.broker));
    cluster.injectErrors('InitProducerId', [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);
    const producer = client.producer({ transactionalId: 'tx' });
    const error: unknown = await time.run(() => producer.transaction((tx) => tx.send({ topic: 't', partition: 0, value: 'v' })).catch((e: unknown) => e));
    sub.unsubscribe();
    // refused before the transaction began: nothing to abort, the broker's error itself
    expect(error).toBeInstanceOf(KafkaBrokerError);
    expect(error).toMatchObject({ code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorName: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', retriable: false });
    expect(inits).toHaveLength(1); // not retriable: asked once
    expect(cluster.records('t', 0)).toHaveLength(0);
    await time.run(() => producer.close());
    await done();
  });
});
