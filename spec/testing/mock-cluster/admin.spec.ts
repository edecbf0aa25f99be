import { firstValueFrom, type Subscription } from 'rxjs';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../../src/network/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  AlterConfigs,
  CreatePartitions,
  CreateTopics,
  DeleteRecords,
  DeleteTopics,
  DescribeConfigs,
  IncrementalAlterConfigs,
  ZERO_UUID,
} from '../../../src/protocol/messages/index.js';
import { MockCluster } from '../../../src/testing/index.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

describe('MockCluster admin APIs through KafkaJS (3 brokers)', () => {
  let cluster: MockCluster;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await MockCluster.start({ brokers: 3, autoCreateTopics: false });
    admin = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 10 } }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await cluster?.stop();
  });

  it('createTopics creates with partitions, replication and configs; listTopics and fetchTopicMetadata see them', async () => {
    const created = await admin.createTopics({
      topics: [
        { topic: 'orders', numPartitions: 4, replicationFactor: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: 'events' },
      ],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    expect((await admin.listTopics()).sort()).toEqual(['events', 'orders']);
    const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
    const orders = meta.topics[0];
    expect(orders.name).toBe('orders');
    expect(orders.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);
    for (const p of orders.partitions) {
      expect(p.replicas).toHaveLength(2);
      expect(p.replicas[0]).toBe(p.leader);
      expect(p.isr.sort()).toEqual([...p.replicas].sort());
    }
    expect(cluster.state.topics.get('orders')?.configs.get('cleanup.policy')).toBe('compact');
    // numPartitions / replicationFactor left to the broker: its defaults (1 partition, min(3, brokers) replicas).
    expect(cluster.state.topics.get('events')?.partitions.map((p) => p.replicas.length)).toEqual([3]);
  });

  it('createTopics with validateOnly checks but creates nothing', async () => {
    // waitForLeaders would ask Metadata for a topic that (rightly) does not exist.
    expect(await admin.createTopics({ topics: [{ topic: 'dry-run', numPartitions: 2 }], validateOnly: true, waitForLeaders: false })).toBe(true);
    expect(await admin.listTopics()).not.toContain('dry-run');
  });

  it('createTopics on an existing topic reports it (KafkaJS: false) and leaves the topic alone', async () => {
    await admin.createTopics({ topics: [{ topic: 'existing', numPartitions: 2 }] });
    expect(await admin.createTopics({ topics: [{ topic: 'existing', numPartitions: 5 }] })).toBe(false);
    expect(cluster.state.topics.get('existing')?.partitions).toHaveLength(2);
  });

  it('createTopics refuses more replicas than brokers, bad names, bad partition counts and unknown configs', async () => {
    const refusal = async (topic: Parameters<Admin['createTopics']>[0]['topics'][number]) => {
      const e = await admin.createTopics({ topics: [topic] }).then(
        () => undefined,
        (error: unknown) => error as { errors?: Array<{ type: string; message: string }> },
      );
      return e?.errors?.map((x) => x.type);
    };
    expect(await refusal({ topic: 'too-wide', replicationFactor: 4 })).toEqual(['INVALID_REPLICATION_FACTOR']);
    expect(await refusal({ topic: 'bad name!' })).toEqual(['INVALID_TOPIC_EXCEPTION']);
    expect(await refusal({ topic: 'no-partitions', numPartitions: 0 })).toEqual(['INVALID_PARTITIONS']);
    expect(await refusal({ topic: 'bad-config', configEntries: [{ name: 'no.such.config', value: '1' }] })).toEqual(['INVALID_CONFIG']);
    expect(await admin.listTopics()).not.toContain('too-wide');
  });

  it('createPartitions grows a topic; shrinking is refused', async () => {
    await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2, replicationFactor: 2 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 5 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ['growing'] });
    expect(meta.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(meta.topics[0].partitions.every((p) => p.replicas.length === 2)).toBe(true);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 3 }] })).rejects.toThrow(/partitions/i);
  });

  it('describeConfigs answers defaults and the topic\'s own values; alterConfigs replaces them', async () => {
    await admin.createTopics({ topics: [{ topic: 'configured', configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    const describe = async () => {
      const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured' }], includeSynonyms: false });
      expect(resources[0].errorCode).toBe(0);
      return new Map(resources[0].configEntries.map((e) => [e.configName, e]));
    };
    const before = await describe();
    expect(before.get('retention.ms')).toMatchObject({ configValue: '1000', isDefault: false, configSource: 1 });
    expect(before.get('cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true, configSource: 5 });

    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured', configEntries: [{ name: 'cleanup.policy', value: 'compact,delete' }] }],
    });
    const after = await describe();
    expect(after.get('cleanup.policy')).toMatchObject({ configValue: 'compact,delete', isDefault: false });
    // AlterConfigs is not incremental: retention.ms went back to its default.
    expect(after.get('retention.ms')).toMatchObject({ configValue: '604800000', isDefault: true });

    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
    ).rejects.toThrow(/config/i);
    expect((await describe()).get('cleanup.policy')?.configValue).toBe('compact,delete');
  });

  it('describeConfigs for a broker goes to that broker and names it', async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '2' }], includeSynonyms: false });
    const entries = new Map(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries.get('broker.id')).toBe('2');
    expect(entries.get('auto.create.topics.enable')).toBe('false');
  });

  it('deleteTopicRecords moves the log start; offsets below it are gone', async () => {
    await admin.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 1 }] });
    const producer = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'trimmed', messages: [{ value: `v${i}` }, { value: `w${i}` }] });
    await producer.disconnect();
    // KafkaJS finds partition leaders only for topics its admin already tracks.
    expect((await admin.fetchTopicOffsets('trimmed'))[0]).toMatchObject({ low: '0', high: '10' });
    await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '4' }] });
    const offsets = await admin.fetchTopicOffsets('trimmed');
    expect(offsets[0]).toMatchObject({ partition: 0, low: '4', high: '10' });
    expect(cluster.records('trimmed', 0)[0].offset).toBe(4n);
    await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '-1' }] });
    expect((await admin.fetchTopicOffsets('trimmed'))[0]).toMatchObject({ low: '10', high: '10' });
  });

  it('deleteTopics removes topics and their committed offsets', async () => {
    await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }] });
    cluster.state.offsets.commit('g1', 'doomed', 0, { offset: 3n, leaderEpoch: -1, metadata: null, commitTime: 0 });
    cluster.state.offsets.commit('g1', 'kept', 0, { offset: 1n, leaderEpoch: -1, metadata: null, commitTime: 0 });
    await admin.deleteTopics({ topics: ['doomed'] });
    expect(await admin.listTopics()).not.toContain('doomed');
    expect(cluster.state.offsets.fetch('g1', 'doomed', 0)).toBeUndefined();
    expect(cluster.state.offsets.fetch('g1', 'kept', 0)?.offset).toBe(1n);
  });
});

describe('MockCluster admin APIs on the wire, per version', () => {
  let cluster: MockCluster;
  const subs: Subscription[] = [];
  const connections = new Map<number, Connection>();

  async function broker(id: number): Promise<Connection> {
    const existing = connections.get(id);
    if (existing) return existing;
    const b = cluster.state.brokers.get(id);
    if (b === undefined) throw new Error(`no broker ${id}`);
    const c = await new Promise<Connection>((resolve, reject) => {
      subs.push(connect({ host: b.host, port: b.port }).subscribe({ next: resolve, error: reject }));
    });
    connections.set(id, c);
    return c;
  }

  beforeAll(async () => {
    cluster = await MockCluster.start({ brokers: 3, autoCreateTopics: false });
  });

  afterAll(async () => {
    for (const s of subs) s.unsubscribe();
    await cluster?.stop();
  });

  const controller = () => broker(cluster.state.controllerId);
  const notController = () => broker(cluster.state.controllerId === 1 ? 2 : 1);

  it.each([0, 4, 7])('CreateTopics v%i on a non-controller answers NOT_CONTROLLER and creates nothing', async (version) => {
    const c = await notController();
    const res = await firstValueFrom(c.request(CreateTopics, { topics: [{ name: `nc-${version}`, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 1000 }, { version }));
    expect(res.topics[0].errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(cluster.state.topics.has(`nc-${version}`)).toBe(false);
  });

  it('DeleteTopics and CreatePartitions on a non-controller answer NOT_CONTROLLER', async () => {
    await cluster.createTopic('stay', { partitions: 1 });
    const c = await notController();
    const del = await firstValueFrom(c.request(DeleteTopics, { topicNames: ['stay'], timeoutMs: 1000 }, { version: 1 }));
    expect(del.responses[0].errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    const grow = await firstValueFrom(c.request(CreatePartitions, { topics: [{ name: 'stay', count: 2, assignments: null }], timeoutMs: 1000 }, { version: 1 }));
    expect(grow.results[0].errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(cluster.state.topics.get('stay')?.partitions).toHaveLength(1);
  });

  it('CreateTopics v7 answers configs, counts and a topic id; validateOnly gives the zero id; v4 defaults with -1', async () => {
    const c = await controller();
    const res = await firstValueFrom(
      c.request(CreateTopics, { topics: [{ name: 'v7', numPartitions: -1, replicationFactor: -1, configs: [{ name: 'retention.ms', value: '5' }] }], timeoutMs: 1000 }, { version: 7 }),
    );
    const t = res.topics[0];
    expect(t).toMatchObject({ name: 'v7', errorCode: 0, numPartitions: 1, replicationFactor: 3 });
    expect(t.topicId).toBe(cluster.state.topics.get('v7')?.topicId);
    expect(t.configs?.find((x) => x.name === 'retention.ms')).toMatchObject({ value: '5', configSource: 1, readOnly: false });
    expect(t.configs?.find((x) => x.name === 'cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5 });

    const dry = await firstValueFrom(c.request(CreateTopics, { topics: [{ name: 'v7-dry', numPartitions: 2, replicationFactor: 1 }], validateOnly: true, timeoutMs: 1000 }, { version: 7 }));
    expect(dry.topics[0]).toMatchObject({ errorCode: 0, topicId: ZERO_UUID, numPartitions: 2 });
    expect(cluster.state.topics.has('v7-dry')).toBe(false);

    const again = await firstValueFrom(c.request(CreateTopics, { topics: [{ name: 'v7', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 1000 }, { version: 4 }));
    expect(again.topics[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
  });

  it('CreateTopics with explicit assignments places replicas as asked; bad assignments are refused', async () => {
    const c = await controller();
    const res = await firstValueFrom(
      c.request(CreateTopics, {
        topics: [
          { name: 'placed', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [1, 3] }, { partitionIndex: 0, brokerIds: [3, 2] }] },
          { name: 'gap', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [1] }] },
          { name: 'ghost', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [9] }] },
          { name: 'both', numPartitions: 2, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }] },
        ],
        timeoutMs: 1000,
      }),
    );
    expect(res.topics.map((t) => t.errorCode)).toEqual([0, 39, 39, ErrorCode.INVALID_REQUEST]);
    expect(cluster.state.topics.get('placed')?.partitions.map((p) => [p.leader, p.replicas])).toEqual([
      [3, [3, 2]],
      [1, [1, 3]],
    ]);
  });

  it('DeleteTopics v6 deletes by topic id and answers the name; unknown ids are UNKNOWN_TOPIC_ID', async () => {
    await cluster.createTopic('by-id', { partitions: 1 });
    const id = cluster.state.topics.get('by-id')?.topicId ?? '';
    const c = await controller();
    const res = await firstValueFrom(
      c.request(DeleteTopics, { topics: [{ name: null, topicId: id }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }, { name: 'nope', topicId: ZERO_UUID }], timeoutMs: 1000 }, { version: 6 }),
    );
    expect(res.responses.map((r) => [r.name, r.errorCode])).toEqual([
      ['by-id', 0],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(cluster.state.topics.has('by-id')).toBe(false);
  });

  it('DescribeConfigs: v0 isDefault, v1+ synonyms, v3+ documentation, key filter, unknown topic', async () => {
    await cluster.createTopic('described', { configs: { 'retention.ms': '77' } });
    const c = await broker(3);
    const v0 = await firstValueFrom(c.request(DescribeConfigs, { resources: [{ resourceType: RESOURCE_TOPIC, resourceName: 'described', configurationKeys: ['retention.ms', 'segment.bytes'] }] }, { version: 0 }));
    expect(v0.results[0].configs.map((x) => [x.name, x.value, x.isDefault])).toEqual([
      ['retention.ms', '77', false],
      ['segment.bytes', '1073741824', true],
    ]);
    const v4 = await firstValueFrom(
      c.request(
        DescribeConfigs,
        {
          resources: [
            { resourceType: RESOURCE_TOPIC, resourceName: 'described', configurationKeys: ['retention.ms'] },
            { resourceType: RESOURCE_TOPIC, resourceName: 'missing', configurationKeys: null },
            { resourceType: RESOURCE_BROKER, resourceName: '1', configurationKeys: null },
          ],
          includeSynonyms: true,
          includeDocumentation: true,
        },
        { version: 4 },
      ),
    );
    const [described, missing, otherBroker] = v4.results;
    expect(described.configs[0]).toMatchObject({ name: 'retention.ms', value: '77', configSource: 1, configType: 5 });
    expect(described.configs[0].synonyms.map((s) => [s.value, s.source])).toEqual([
      ['77', 1],
      ['604800000', 5],
    ]);
    expect(described.configs[0].documentation).toEqual(expect.any(String));
    expect(missing.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // Broker 1's configs are asked of broker 3.
    expect(otherBroker.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT; a bad op changes nothing', async () => {
    await cluster.createTopic('incremental', { configs: { 'retention.ms': '1', 'segment.ms': '2' } });
    const c = await broker(1);
    const alter = (configs: Array<{ name: string; configOperation: number; value: string | null }>, validateOnly = false) =>
      firstValueFrom(c.request(IncrementalAlterConfigs, { resources: [{ resourceType: RESOURCE_TOPIC, resourceName: 'incremental', configs }], validateOnly }));
    const configs = () => Object.fromEntries(cluster.state.topics.get('incremental')?.configs ?? []);

    let res = await alter([
      { name: 'retention.ms', configOperation: 0, value: '9' },
      { name: 'segment.ms', configOperation: 1, value: null },
      { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
    ]);
    expect(res.responses[0].errorCode).toBe(0);
    expect(configs()).toEqual({ 'retention.ms': '9', 'cleanup.policy': 'delete,compact' });

    res = await alter([{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }]);
    expect(configs()['cleanup.policy']).toBe('compact');

    res = await alter([
      { name: 'retention.ms', configOperation: 0, value: '10' },
      { name: 'retention.bytes', configOperation: 2, value: '5' },
    ]);
    expect(res.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(configs()['retention.ms']).toBe('9');

    res = await alter([{ name: 'retention.ms', configOperation: 0, value: '11' }], true);
    expect(res.responses[0].errorCode).toBe(0);
    expect(configs()['retention.ms']).toBe('9');
  });

  it('AlterConfigs v2 on an unknown topic, and on broker configs', async () => {
    const c = await broker(1);
    const res = await firstValueFrom(
      c.request(
        AlterConfigs,
        {
          resources: [
            { resourceType: RESOURCE_TOPIC, resourceName: 'missing', configs: [{ name: 'retention.ms', value: '1' }] },
            { resourceType: RESOURCE_BROKER, resourceName: '1', configs: [{ name: 'num.partitions', value: '3' }] },
          ],
          validateOnly: false,
        },
        { version: 2 },
      ),
    );
    expect(res.responses.map((r) => r.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST]);
  });

  it('DeleteRecords: only on the leader, -1 is the high watermark, beyond the end is OFFSET_OUT_OF_RANGE', async () => {
    await cluster.createTopic('records', { partitions: 1, replicationFactor: 3 });
    const p = cluster.state.partition('records', 0);
    if (p === undefined) throw new Error('no partition');
    const leader = await broker(p.leader);
    const follower = await broker(p.replicas.find((id) => id !== p.leader) ?? -1);
    const body = (offset: bigint) => ({ topics: [{ name: 'records', partitions: [{ partitionIndex: 0, offset }, { partitionIndex: 5, offset: 0n }] }], timeoutMs: 1000 });

    const notLeader = await firstValueFrom(follower.request(DeleteRecords, body(0n)));
    expect(notLeader.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);

    const empty = await firstValueFrom(leader.request(DeleteRecords, body(-1n), { version: 0 }));
    expect(empty.topics[0].partitions.map((x) => [x.errorCode, x.lowWatermark])).toEqual([
      [0, 0n],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
    ]);
    const beyond = await firstValueFrom(leader.request(DeleteRecords, body(1n), { version: 2 }));
    expect(beyond.topics[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });
});
