import type { TlsOptions } from 'node:tls';
import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { KafkaConfigError } from '../../errors.js';
import { apis } from '../../protocol/messages/index.js';
import { decodeRecordSetSync, type KafkaRecord } from '../../protocol/records/index.js';
import type { Transport } from '../../network/index.js';
import { MemoryNetwork } from '../memory-network.js';
import { BrokerServer } from './broker-server.js';
import { handlers } from './handlers/index.js';
import { ClusterState, type ReceivedRequest, type TopicSpec } from './state.js';
import type { ApiHandler } from './handler.js';

export interface MockClusterSasl {
  mechanisms: Array<'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'>;
  /** user name -> password */
  users: Record<string, string>;
}

export interface MockClusterOptions {
  /** Number of brokers, ids 1..N. Default 1. */
  brokers?: number;
  /** Create a topic on first Metadata or Produce for it. Default true. */
  autoCreateTopics?: boolean;
  /** Partitions of an auto-created topic. Default 1. */
  defaultPartitions?: number;
  /**
   * Each broker's rack, by position (broker 1 first). A consumer giving its rackId then fetches
   * from a replica in its rack (KIP-392): the leader names it as the preferred read replica.
   */
  racks?: ReadonlyArray<string | null>;
  sasl?: MockClusterSasl;
  /** Serve TLS instead of plain TCP. `requestClientCert` asks clients for a certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer; requestClientCert?: boolean };
  /** All time (latency, long polls, session timeouts) goes through it. Default asyncScheduler. */
  scheduler?: SchedulerLike;
  /** Receives what the brokers log (malformed requests, refused connections). Default: dropped. */
  log?: (message: string) => void;
  /**
   * 'tcp' (default): loopback ports. 'memory': an in-process MemoryNetwork, no sockets; give
   * clients `transport: cluster.transport`. With a virtual `scheduler` on both sides, a whole
   * client runs against the cluster in virtual time (see `virtualTime()`).
   */
  network?: 'tcp' | 'memory';
  /**
   * Serve at most this version of the named APIs, as an older broker does: `{ FindCoordinator:
   * 3 }` advertises and answers FindCoordinator v0-3 only.
   */
  maxVersions?: Readonly<Record<string, number>>;
}

export interface MockPartitionInfo {
  leader: number;
  leaderEpoch: number;
  logStartOffset: bigint;
  /** Also the high watermark: replication is instant. */
  logEndOffset: bigint;
  lastStableOffset: bigint;
}

/**
 * A Kafka cluster of N brokers inside this process, on loopback ports, speaking the real wire
 * protocol: for tests, examples and demos without Docker or a JVM.
 */
export class MockCluster {
  private constructor(
    readonly state: ClusterState,
    private readonly servers: Map<number, BrokerServer>,
    readonly sasl: MockClusterSasl | undefined,
    private readonly network: MemoryNetwork | null,
  ) {}

  /**
   * The transport to reach a cluster on the memory network (`createClient({ brokers:
   * cluster.bootstrap, transport: cluster.transport })`); undefined on TCP, where sockets do.
   */
  get transport(): Transport | undefined {
    return this.network?.transport;
  }

  static async start(options: MockClusterOptions = {}): Promise<MockCluster> {
    const brokers = options.brokers ?? 1;
    if (!Number.isInteger(brokers) || brokers < 1) throw new KafkaConfigError('brokers', 'must be an integer >= 1');
    const defaultPartitions = options.defaultPartitions ?? 1;
    if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1) {
      throw new KafkaConfigError('defaultPartitions', 'must be an integer >= 1');
    }
    const state = new ClusterState(
      options.scheduler ?? asyncScheduler,
      options.autoCreateTopics ?? true,
      defaultPartitions,
      options.log ?? (() => undefined),
    );
    if (options.sasl) state.sasl = options.sasl;
    const served = cappedHandlers(options.maxVersions ?? {});
    const registry = new Map<number, ApiHandler>(served.map((h) => [h.api.apiKey, h]));
    state.served = served.map((h) => ({ apiKey: h.api.apiKey, minVersion: h.versions.min, maxVersion: h.versions.max }));
    const tls: TlsOptions | undefined = options.tls
      ? {
          key: options.tls.key,
          cert: options.tls.cert,
          ca: options.tls.ca,
          requestCert: options.tls.requestClientCert ?? false,
          rejectUnauthorized: options.tls.requestClientCert ?? false,
        }
      : undefined;
    const network = options.network === 'memory' ? new MemoryNetwork() : null;
    if (options.network !== undefined && options.network !== 'tcp' && options.network !== 'memory') {
      throw new KafkaConfigError('network', "must be 'tcp' or 'memory'");
    }
    if (network !== null && tls !== undefined) throw new KafkaConfigError('tls', "is not modelled on the 'memory' network");
    const servers = new Map<number, BrokerServer>();
    for (let id = 1; id <= brokers; id++) {
      // on the memory network each broker is its own host, on Kafka's usual port
      const broker = { id, host: network === null ? '127.0.0.1' : `broker-${id}.mock`, port: network === null ? 0 : 9092, rack: options.racks?.[id - 1] ?? null, up: true, latencyMs: 0 };
      state.brokers.set(id, broker);
      const server = new BrokerServer(broker, state, registry, { tls, saslRequired: options.sasl !== undefined });
      if (network === null) broker.port = await server.listen();
      else server.listenOn(network);
      servers.set(id, server);
    }
    return new MockCluster(state, servers, options.sasl, network);
  }

  /** "127.0.0.1:port" of every broker, for a client's bootstrap list. */
  get bootstrap(): string[] {
    return [...this.state.brokers.values()].map((b) => `${b.host}:${b.port}`);
  }

  /** Every request a broker reads, as it reads it (for tests that act once a request is in). */
  get requests$(): Observable<ReceivedRequest> {
    return this.state.requests$.asObservable();
  }

  /** APIs the brokers answer, by name. */
  get servedApis(): string[] {
    return handlers.map((h) => h.api.name);
  }

  async createTopic(name: string, spec: TopicSpec = {}): Promise<void> {
    if (this.state.topics.has(name)) throw new KafkaConfigError('name', `topic ${name} already exists`);
    this.state.createTopic(name, spec);
    return Promise.resolve();
  }

  /** Down: its connections are closed and new ones refused, until setBrokerUp. */
  setBrokerDown(id: number): void {
    this.brokerOrThrow(id).up = false;
    this.servers.get(id)?.dropConnections();
    this.state.electLeadersAwayFrom(id);
  }

  setBrokerUp(id: number): void {
    this.brokerOrThrow(id).up = true;
  }

  /** Makes `brokerId` the leader of a partition (the old leader answers NOT_LEADER_OR_FOLLOWER). */
  moveLeader(topic: string, partition: number, brokerId: number): void {
    this.brokerOrThrow(brokerId);
    const p = this.state.partition(topic, partition);
    if (p === undefined) throw new KafkaConfigError('topic', `${topic}[${partition}] does not exist`);
    if (!p.replicas.includes(brokerId)) p.replicas.push(brokerId);
    if (!p.isr.includes(brokerId)) p.isr.push(brokerId);
    p.leader = brokerId;
    p.leaderEpoch++;
  }

  /**
   * The next requests of `api` (name or key) answer these error codes, one each, in order; a 0
   * lets its request through, answered as usual.
   */
  injectErrors(api: string | number, codes: number[], options: { broker?: number } = {}): void {
    const key = typeof api === 'number' ? api : apis.get(api)?.apiKey;
    if (key === undefined) throw new KafkaConfigError('api', `unknown API ${String(api)}`);
    this.state.injectErrors(key, codes, options.broker);
  }

  /**
   * Flips a byte inside the records of the batch holding `offset`, so that its CRC fails: what
   * a consumer reading it must report (and not get past).
   */
  corruptRecordBatch(topic: string, partition: number, offset: bigint): void {
    const p = this.state.partition(topic, partition);
    const batch = p?.log.batches.find((b) => b.baseOffset <= offset && offset <= b.lastOffset);
    if (batch === undefined) throw new KafkaConfigError('offset', `${topic}[${partition}] has no batch holding offset ${offset}`);
    // past the 61-byte v2 header: a record byte, covered by the CRC
    batch.bytes[batch.bytes.length - 1] ^= 0xff;
  }

  /**
   * Appends a legacy message set (magic 0 or 1 messages, plain or compressed wrappers: what
   * brokers before 0.11 wrote, and old logs still hold) to a partition as it is, for tests of
   * readers of old data. Its CRCs are checked, and its first offset must be the log end.
   */
  appendLegacyMessageSet(topic: string, partition: number, bytes: Buffer): void {
    const p = this.state.partition(topic, partition);
    if (p === undefined) throw new KafkaConfigError('topic', `${topic}[${partition}] does not exist`);
    const { batches, truncatedBytes } = decodeRecordSetSync(bytes);
    if (batches.length === 0 || truncatedBytes > 0 || batches.some((b) => b.magic > 1)) {
      throw new KafkaConfigError('bytes', 'must be a whole legacy message set (magic 0 or 1)');
    }
    const first = batches[0].baseOffset;
    const last = batches[batches.length - 1];
    const lastOffset = last.baseOffset + BigInt(last.lastOffsetDelta);
    if (first !== p.log.logEndOffset) throw new KafkaConfigError('bytes', `must start at the log end offset ${p.log.logEndOffset}, not ${first}`);
    const { records: _records, ...header } = batches[0];
    const info = {
      ...header,
      lastOffsetDelta: Number(lastOffset - first),
      maxTimestamp: Math.max(...batches.map((b) => b.maxTimestamp)),
      recordCount: batches.reduce((n, b) => n + b.records.length, 0),
      byteLength: bytes.length,
    };
    p.log.appendLegacy(bytes, info, this.state.now());
  }

  /** Delays every answer of a broker by `ms` on the cluster's scheduler. */
  setLatency(brokerId: number, ms: number): void {
    this.brokerOrThrow(brokerId).latencyMs = ms;
  }

  /** Where a partition stands: its leader (-1 without one) and its log's offsets. */
  partitionInfo(topic: string, partition: number): MockPartitionInfo | undefined {
    const p = this.state.partition(topic, partition);
    if (p === undefined) return undefined;
    return {
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      logStartOffset: p.log.logStartOffset,
      logEndOffset: p.log.logEndOffset,
      lastStableOffset: p.log.lastStableOffset,
    };
  }

  /** Every record in a partition's log, decoded, control records included. */
  records(topic: string, partition: number): KafkaRecord[] {
    const p = this.state.partition(topic, partition);
    if (p === undefined) return [];
    const out: KafkaRecord[] = [];
    for (const b of p.log.batches) {
      const records = b.decoded ?? decodeRecordSetSync(b.bytes).batches.flatMap((x) => x.records);
      for (const r of records) if (r.offset >= p.log.logStartOffset) out.push(r);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.state.stop();
    await Promise.all([...this.servers.values()].map((s) => s.close()));
  }

  private brokerOrThrow(id: number) {
    const b = this.state.brokers.get(id);
    if (b === undefined) throw new KafkaConfigError('brokerId', `no broker ${id}`);
    return b;
  }
}

/** The handlers, each capped at the version `maxVersions` names for it. */
function cappedHandlers(maxVersions: Readonly<Record<string, number>>): ApiHandler[] {
  for (const [name, max] of Object.entries(maxVersions)) {
    const h = handlers.find((x) => x.api.name === name);
    if (h === undefined) throw new KafkaConfigError(`maxVersions.${name}`, 'is not an API the mock brokers serve');
    if (!Number.isInteger(max) || max < h.versions.min) throw new KafkaConfigError(`maxVersions.${name}`, `must be an integer >= ${h.versions.min}`);
  }
  return handlers.map((h) => {
    const cap = maxVersions[h.api.name];
    return cap === undefined ? h : { ...h, versions: { min: h.versions.min, max: Math.min(h.versions.max, cap) } };
  });
}
