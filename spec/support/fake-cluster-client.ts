import { defer, filter, map, merge, Observable, of, Subject, switchMap, tap, throwError, timer, type SchedulerLike } from 'rxjs';
import { ClientClosedError, type BodyFor, type ClientRequestOptions, type ClientStats, type Closable, type ClusterClient, type ClusterMetadata, type RequestTarget, type TopicState } from '../../src/cluster/index.js';
import { KafkaError } from '../../src/errors.js';
import { kafkaErrorFromCode } from '../../src/protocol/error-codes.js';
import {
  InitProducerId,
  Produce,
  type Api,
  type InitProducerIdResponse,
  type Input,
  type ProduceRequest,
  type ProduceResponse,
} from '../../src/protocol/messages/index.js';
import { decodeRecordSetSync } from '../../src/protocol/records/index.js';

/** One partition's part of a Produce request, decoded. */
export interface FakeProducedBatch {
  topic: string;
  partition: number;
  /** Records in the batch. */
  count: number;
  /** The records' values as UTF-8 (null for a null value). */
  values: Array<string | null>;
  keys: Array<string | null>;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** The record bytes as the request carried them (the producer's own buffer, not a copy). */
  bytes: Buffer | null;
}

/** A Produce request as the fake saw it. */
export interface FakeProduceCall {
  /** 0-based index among Produce requests. */
  index: number;
  /** Virtual time the request was made. */
  at: number;
  broker: number;
  acks: number;
  batches: FakeProducedBatch[];
  /** Virtual time the answer (or the failure) was delivered; undefined while outstanding. */
  answeredAt?: number;
}

/** How one Produce request is answered. */
export interface FakeProduceAnswer {
  /** Error code per partition, keyed `topic/partition`; unlisted partitions get 0. */
  codes?: Readonly<Record<string, number>>;
  /** The whole request fails with this error instead of answering. */
  error?: Error;
  /** Delay for this answer; defaults to the client's `delayMs`. */
  delayMs?: number;
  /** The LogAppendTime the broker stamped the batches with (a topic with LogAppendTime); default -1 (CreateTime). */
  logAppendTimeMs?: number;
}

export interface FakeTopicSpec {
  partitions: number;
  /** Leader broker id per partition; default partition % brokers + 1. */
  leaders?: number[];
}

export interface FakeClusterClientOptions {
  /** Broker ids 1..brokers. Default 3. */
  brokers?: number;
  topics: Readonly<Record<string, number | FakeTopicSpec>>;
  /** Default delay of every Produce answer, in virtual ms. Default 0. */
  delayMs?: number;
  /** Scripts the answer to each Produce request; default: all partitions succeed. */
  produce?: (call: FakeProduceCall) => FakeProduceAnswer | undefined;
  /** Answer of InitProducerId. Default 1000n, epoch 0; asked to bump a current identity, its epoch + 1. */
  producerId?: bigint;
}

const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** Key used in FakeProduceAnswer.codes. */
export const partitionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * A ClusterClient without a network: fixed topic metadata, Produce answered by a script on the
 * given scheduler (so a TestScheduler controls when answers arrive), every Produce request
 * decoded and kept, InitProducerId answered with a fixed id. Offsets are assigned per
 * partition in the order successful answers are delivered, like a broker's log end offset. A
 * batch with a sequence that the script lets through is checked as a broker checks it: out of
 * order (45), a duplicate (46, not appended), or an older epoch (47).
 */
export class FakeClusterClient implements ClusterClient {
  readonly produceCalls: FakeProduceCall[] = [];
  readonly metadataRequests: string[][] = [];
  readonly invalidations: Array<{ topic: string; errorCode: number | undefined }> = [];
  /** Every Produce request as it is made. */
  readonly produceCalls$ = new Subject<FakeProduceCall>();
  /**
   * Produce requests whose record bytes changed between the request and its answer (or its
   * failure): a broker reads them only as they arrive, so the producer must not touch them until
   * then (by index among Produce requests). Empty unless the producer broke that.
   */
  readonly changedBeforeAnswer: number[] = [];
  private readonly invalidated$ = new Subject<string>();
  readonly stats$: Observable<ClientStats> = of({ brokers: [] });
  private readonly logs = new Map<string, Array<string | null>>();
  /** Per partition, the idempotent producer state a broker keeps: the stamp and sequence it expects next. */
  private readonly sequences = new Map<string, { producerId: bigint; epoch: number; next: number }>();
  private readonly topics: Map<string, { partitions: number; leaders: number[] }>;
  private readonly brokers: number;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly options: FakeClusterClientOptions,
  ) {
    this.brokers = options.brokers ?? 3;
    this.topics = new Map(
      Object.entries(options.topics).map(([name, spec]) => {
        const s = typeof spec === 'number' ? { partitions: spec } : spec;
        const leaders = s.leaders ?? Array.from({ length: s.partitions }, (_, p) => (p % this.brokers) + 1);
        return [name, { partitions: s.partitions, leaders }];
      }),
    );
  }

  /** Values appended to a partition by successful answers, in offset order. */
  delivered(topic: string, partition: number): Array<string | null> {
    return this.logs.get(partitionKey(topic, partition)) ?? [];
  }

  /** Moves a partition's leader (takes effect at the next metadata request). */
  setLeader(topic: string, partition: number, broker: number): void {
    const t = this.topics.get(topic);
    if (t === undefined) throw new Error(`fake: no topic ${topic}`);
    t.leaders[partition] = broker;
  }

  metadata$(topics?: string[]): Observable<ClusterMetadata> {
    return defer(() => {
      const names = topics ?? [...this.topics.keys()];
      this.metadataRequests.push(names);
      return of(this.metadataFor(names));
    });
  }

  metadata(topics?: string[]): Promise<ClusterMetadata> {
    return new Promise((resolve, reject) => this.metadata$(topics).subscribe({ next: resolve, error: reject }));
  }

  leaderFor(topic: string, partition: number): Observable<number> {
    const leader = this.topics.get(topic)?.leaders[partition];
    return leader === undefined ? throwError(() => kafkaErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION, topic)) : of(leader);
  }

  invalidateMetadata(topic: string, errorCode?: number): boolean {
    this.invalidations.push({ topic, errorCode });
    this.invalidated$.next(topic);
    return true;
  }

  /** The topic's metadata now, and again after each invalidation of it (no timer: tests move leaders by hand). */
  watchTopic(topic: string): Observable<TopicState> {
    return merge(of(topic), this.invalidated$.pipe(filter((t) => t === topic))).pipe(
      switchMap(() => this.metadata$([topic])),
      map((meta): TopicState => ({ metadata: meta.topics[0], failure: null })),
    );
  }

  request<Req, Res>(target: RequestTarget, api: Api<Req, Res>, body: BodyFor<Req>, options?: ClientRequestOptions): Observable<Res> {
    return defer(() => {
      const input: unknown = typeof body === 'function' ? (body as (version: number) => Input<Req>)(api.maxVersion) : body;
      if (api.apiKey === Produce.apiKey) {
        const broker = typeof target === 'object' && 'nodeId' in target ? target.nodeId : -1;
        return this.produce(broker, input as Input<ProduceRequest>, options) as unknown as Observable<Res>;
      }
      if (api.apiKey === InitProducerId.apiKey) {
        // asked with a current identity (KIP-360): its epoch, bumped
        const current = input as { producerId?: bigint; producerEpoch?: number };
        const bump = current.producerId !== undefined && current.producerId >= 0n;
        const res: InitProducerIdResponse = {
          throttleTimeMs: 0,
          errorCode: 0,
          producerId: bump ? (current.producerId as bigint) : (this.options.producerId ?? 1000n),
          producerEpoch: bump ? (current.producerEpoch ?? 0) + 1 : 0,
        };
        return of(res as unknown as Res);
      }
      return throwError(() => new KafkaError(`fake cluster client: ${api.name} is not scripted`));
    });
  }

  private readonly children = new Set<Closable>();
  private closing: Promise<void> | null = null;

  coordinator(type: string, key: string): Observable<number> {
    return throwError(() => new KafkaError(`fake cluster client: no ${type} coordinator for ${key}`));
  }

  own(child: Closable): () => void {
    if (this.closing !== null) throw new ClientClosedError();
    this.children.add(child);
    return () => this.children.delete(child);
  }

  close(): Promise<void> {
    this.closing ??= Promise.allSettled([...this.children].map((c) => c.close())).then(() => this.produceCalls$.complete());
    return this.closing;
  }

  private metadataFor(names: readonly string[]): ClusterMetadata {
    return {
      clusterId: 'fake',
      controllerId: 1,
      brokers: Array.from({ length: this.brokers }, (_, i) => ({ id: i + 1, host: 'fake', port: 9092 + i, rack: null })),
      topics: names.map((name) => {
        const t = this.topics.get(name);
        if (t === undefined) {
          return { name, topicId: null, isInternal: false, partitions: [], error: kafkaErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION, name) };
        }
        return {
          name,
          topicId: null,
          isInternal: false,
          error: null,
          partitions: t.leaders.map((leader, partition) => ({
            partition,
            leader,
            leaderEpoch: 0,
            replicas: [leader],
            isr: [leader],
            offlineReplicas: [],
            error: null,
          })),
        };
      }),
    };
  }

  private produce(broker: number, req: Input<ProduceRequest>, options: ClientRequestOptions | undefined): Observable<ProduceResponse> {
    const call: FakeProduceCall = {
      index: this.produceCalls.length,
      at: this.scheduler.now(),
      broker,
      acks: req.acks ?? -1,
      batches: (req.topicData ?? []).flatMap((t) =>
        (t.partitionData ?? []).map((p) => decodeBatch(t.name ?? '', p.index ?? -1, p.records ?? null)),
      ),
    };
    this.produceCalls.push(call);
    this.produceCalls$.next(call);
    const held = (req.topicData ?? []).flatMap((t) => (t.partitionData ?? []).flatMap((p) => (p.records ? [{ bytes: p.records, copy: Buffer.from(p.records) }] : [])));
    const answer = this.options.produce?.(call) ?? {};
    const delay = answer.delayMs ?? this.options.delayMs ?? 0;
    const answered = timer(delay, this.scheduler).pipe(
      tap(() => {
        if (held.some((h) => !h.bytes.equals(h.copy))) this.changedBeforeAnswer.push(call.index);
      }),
    );
    if (answer.error !== undefined) {
      const error = answer.error;
      return answered.pipe(
        map(() => {
          call.answeredAt = this.scheduler.now();
          throw error;
        }),
      );
    }
    if (options?.expectResponse === false) {
      return new Observable<ProduceResponse>((subscriber) =>
        answered.subscribe(() => {
          call.answeredAt = this.scheduler.now();
          this.append(call, answer);
          subscriber.complete();
        }),
      );
    }
    return answered.pipe(
      map(() => {
        call.answeredAt = this.scheduler.now();
        return this.append(call, answer);
      }),
    );
  }

  /** What a broker answers an idempotent batch (0: append), remembering what it appends. */
  private sequenceCheck(key: string, b: FakeProducedBatch): number {
    if (b.baseSequence < 0) return 0;
    const s = this.sequences.get(key);
    if (s !== undefined && s.producerId === b.producerId) {
      if (b.producerEpoch < s.epoch) return 47;
      if (b.producerEpoch === s.epoch && b.baseSequence !== s.next) return b.baseSequence < s.next ? 46 : 45;
      if (b.producerEpoch > s.epoch && b.baseSequence !== 0) return 45;
    }
    this.sequences.set(key, { producerId: b.producerId, epoch: b.producerEpoch, next: b.baseSequence + b.count });
    return 0;
  }

  /** Applies the answer: successful partitions get offsets and their values appended. */
  private append(call: FakeProduceCall, answer: FakeProduceAnswer): ProduceResponse {
    const byTopic = new Map<string, ProduceResponse['responses'][number]>();
    for (const b of call.batches) {
      const key = partitionKey(b.topic, b.partition);
      const code = answer.codes?.[key] ?? this.sequenceCheck(key, b);
      let baseOffset = -1n;
      if (code === 0) {
        const log = this.logs.get(key) ?? [];
        this.logs.set(key, log);
        baseOffset = BigInt(log.length);
        log.push(...b.values);
      }
      let topic = byTopic.get(b.topic);
      if (topic === undefined) {
        topic = { name: b.topic, partitionResponses: [] };
        byTopic.set(b.topic, topic);
      }
      topic.partitionResponses.push({
        index: b.partition,
        errorCode: code,
        baseOffset,
        logAppendTimeMs: BigInt(answer.logAppendTimeMs ?? -1),
        logStartOffset: 0n,
        recordErrors: [],
        errorMessage: null,
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
      });
    }
    return { responses: [...byTopic.values()], throttleTimeMs: 0, nodeEndpoints: [] };
  }
}

function decodeBatch(topic: string, partition: number, records: Buffer | null): FakeProducedBatch {
  const set = records === null ? { batches: [] } : decodeRecordSetSync(records);
  const all = set.batches.flatMap((b) => b.records);
  const first = set.batches[0];
  const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));
  return {
    topic,
    partition,
    count: all.length,
    values: all.map((r) => text(r.value)),
    keys: all.map((r) => text(r.key)),
    producerId: first?.producerId ?? -1n,
    producerEpoch: first?.producerEpoch ?? -1,
    baseSequence: first?.baseSequence ?? -1,
    bytes: records,
  };
}
