import { describe, expect, it } from 'vitest';
import { resolveConsumerConfig, type ConsumerConfig } from '../../src/consumer/config.js';
import { KafkaConfigError } from '../../src/index.js';

const group = { groupId: 'g', topics: ['t'] };

/** Each rejected config, and the field its error must name. */
const rejected: Array<[string, unknown, string]> = [
  ['not an object', null, 'consumer'],
  ['unknown option', { ...group, autoCommit: true }, 'autoCommit'],
  ['no topics and no assign', { groupId: 'g' }, 'topics'],
  ['topics without groupId', { topics: ['t'] }, 'groupId'],
  ['empty topics', { groupId: 'g', topics: [] }, 'topics'],
  ['a topic that is no string', { groupId: 'g', topics: ['t', 3] }, 'topics[1]'],
  ['both topics and assign', { ...group, assign: [{ topic: 't', partition: 0 }] }, 'assign'],
  ['empty groupId', { groupId: '', topics: ['t'] }, 'groupId'],
  ['assign with a negative partition', { assign: [{ topic: 't', partition: -1 }] }, 'assign[0].partition'],
  ['assign with a bad offset', { assign: [{ topic: 't', partition: 0, offset: -5 }] }, 'assign[0].offset'],
  ['assign naming a partition twice', { assign: [{ topic: 't', partition: 0 }, { topic: 't', partition: 0 }] }, 'assign[1]'],
  ['static membership without a subscription', { assign: [{ topic: 't', partition: 0 }], groupInstanceId: 'i' }, 'groupInstanceId'],
  ['an unknown assignor', { ...group, assignors: ['sticky'] }, 'assignors[0]'],
  ['an assignor object without assign', { ...group, assignors: [{ name: 'mine', protocol: 'eager' }] }, 'assignors[0]'],
  ['an assignor with a bad protocol', { ...group, assignors: [{ name: 'mine', protocol: 'lazy', assign: () => new Map() }] }, 'assignors[0].protocol'],
  ['an assignor named twice', { ...group, assignors: ['range', 'range'] }, 'assignors[1]'],
  ['autoOffsetReset', { ...group, autoOffsetReset: 'smallest' }, 'autoOffsetReset'],
  ['isolationLevel', { ...group, isolationLevel: 'committed' }, 'isolationLevel'],
  ['ack', { ...group, ack: 'sometimes' }, 'ack'],
  ['autoCommitIntervalMs', { ...group, autoCommitIntervalMs: -1 }, 'autoCommitIntervalMs'],
  ['sessionTimeoutMs', { ...group, sessionTimeoutMs: 0 }, 'sessionTimeoutMs'],
  ['heartbeat not below the session timeout', { ...group, sessionTimeoutMs: 3000, heartbeatIntervalMs: 3000 }, 'heartbeatIntervalMs'],
  ['rebalanceTimeoutMs', { ...group, rebalanceTimeoutMs: 1.5 }, 'rebalanceTimeoutMs'],
  ['fetchMaxWaitMs', { ...group, fetchMaxWaitMs: -1 }, 'fetchMaxWaitMs'],
  ['fetchMinBytes', { ...group, fetchMinBytes: 'one' }, 'fetchMinBytes'],
  ['fetchMaxBytes', { ...group, fetchMaxBytes: 0 }, 'fetchMaxBytes'],
  ['maxPartitionFetchBytes', { ...group, maxPartitionFetchBytes: 0 }, 'maxPartitionFetchBytes'],
  ['maxBufferedBytes', { ...group, maxBufferedBytes: 0 }, 'maxBufferedBytes'],
  ['rackId', { ...group, rackId: '' }, 'rackId'],
];

describe('consumer config', () => {
  it.each(rejected)('rejects %s, naming the field', (_what, config, field) => {
    let error: unknown;
    try {
      resolveConsumerConfig(config as ConsumerConfig);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KafkaConfigError);
    expect((error as KafkaConfigError).field).toBe(field);
  });

  it('fills in defaults (the Java client where it has one)', () => {
    const c = resolveConsumerConfig(group);
    expect(c).toMatchObject({
      autoOffsetReset: 'latest',
      isolationLevel: 'read_committed',
      ack: 'auto',
      autoCommitIntervalMs: 5000,
      sessionTimeoutMs: 45_000,
      heartbeatIntervalMs: 3000,
      rebalanceTimeoutMs: 300_000,
      fetchMaxWaitMs: 500,
      fetchMinBytes: 1,
      fetchMaxBytes: 50 << 20,
      maxPartitionFetchBytes: 1 << 20,
      maxBufferedBytes: 64 << 20,
      assignors: ['cooperative-sticky', 'range'],
    });
  });

  it('is checked when the consumer is made, by the client', async () => {
    const { createClient } = await import('../../src/index.js');
    const client = createClient({ brokers: ['127.0.0.1:1'] });
    expect(() => client.consumer({ groupId: 'g', topics: ['t'], fetchMaxBytes: -1 })).toThrow(KafkaConfigError);
    await client.close();
  });
});
