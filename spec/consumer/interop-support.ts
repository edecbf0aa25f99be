/**
 * Support for the consumer's interop acceptance tests (spec/consumer/interop-*.spec.ts): group
 * members of rxkafka and of librdkafka (kcat -G) side by side, one ledger of what each member
 * owned in each generation, and raw protocol reads of a group's committed offsets.
 *
 * Everything here waits on events (a child's output line, a consumer's rebalances$), each wait
 * bounded by a timeout; nothing sleeps to synchronise.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { filter, firstValueFrom, map, startWith, Subject, timeout, type Subscription } from 'rxjs';
import { api, type Consumer, type ConsumerStats, type KafkaClient, type RebalanceEvent } from '../../src/index.js';
import { decodeAssignment } from '../../src/consumer/consumer-protocol.js';
import { parseKcatRecords, type KcatRecord } from '../interop/harness.js';

// ---- records ----------------------------------------------------------------------------------

/** The record layout parseKcatRecords reads (the one kcatConsume uses). */
export const KCAT_FORMAT = '\\x1eREC %t %p %o %T %K %S\\n%k%s%h\\n';

export const recordKey = (partition: number, offset: bigint | number): string => `${partition}@${String(offset)}`;

export interface Produced {
  /** value of each record by recordKey(partition, offset). */
  readonly values: ReadonlyMap<string, string>;
  /** The log end offset of each partition (the offset after its last record). */
  readonly logEnds: ReadonlyMap<number, bigint>;
}

/**
 * Sends `count` records numbered from `from` (value `${prefix}${i}`, key `k${i}`), round robin
 * over the partitions, in sends of at most `chunk` records; returns where each one landed.
 */
export async function produceNumbered(
  client: KafkaClient,
  topic: string,
  options: { count: number; partitions: number; from?: number; prefix?: string; chunk?: number },
): Promise<Produced> {
  const producer = client.producer({});
  const values = new Map<string, string>();
  const logEnds = new Map<number, bigint>();
  const from = options.from ?? 0;
  const chunk = options.chunk ?? 5_000;
  const prefix = options.prefix ?? 'r';
  try {
    for (let start = from; start < from + options.count; start += chunk) {
      const n = Math.min(chunk, from + options.count - start);
      const batch = Array.from({ length: n }, (_, j) => ({ topic, partition: (start + j) % options.partitions, key: `k${start + j}`, value: `${prefix}${start + j}` }));
      const metas = await producer.send(batch);
      metas.forEach((m, j) => {
        values.set(recordKey(m.partition, m.offset), batch[j].value);
        const end = m.offset + 1n;
        if ((logEnds.get(m.partition) ?? -1n) < end) logEnds.set(m.partition, end);
      });
    }
  } finally {
    await producer.close();
  }
  return { values, logEnds };
}

/** One delivery as a member saw it. */
export interface Delivery {
  readonly member: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly value: string | null;
}

// ---- group offsets and descriptions, read with raw requests -----------------------------------

/**
 * The group's committed offset of each partition (null: none committed), by a raw OffsetFetch to
 * the group's coordinator: not the consumer's own code path.
 */
export async function committedOffsets(client: KafkaClient, groupId: string, topic: string, partitions: number): Promise<Map<number, bigint | null>> {
  const topics = [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, p) => p) }];
  const res = await firstValueFrom(
    client.request({ coordinator: { type: 'group', key: groupId } }, api.OffsetFetch, {
      groupId,
      topics,
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics }],
      requireStable: false,
    }),
  );
  // up to v7 the answer is top-level; from v8 it is per group
  const answer = res.groups.length > 0 ? res.groups[0] : { errorCode: res.errorCode, topics: res.topics };
  if (answer.errorCode !== 0) throw new Error(`OffsetFetch ${groupId}: error code ${answer.errorCode}`);
  const out = new Map<number, bigint | null>();
  for (const t of answer.topics) {
    if (t.name !== topic) continue;
    for (const p of t.partitions) {
      if (p.errorCode !== 0) throw new Error(`OffsetFetch ${groupId} ${topic}[${p.partitionIndex}]: error code ${p.errorCode}`);
      out.set(p.partitionIndex, p.committedOffset >= 0n ? p.committedOffset : null);
    }
  }
  return out;
}

export interface DescribedMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly partitions: readonly number[];
}

/** The group as its coordinator describes it (DescribeGroups): state, protocol and each member's assignment. */
export async function describeGroup(client: KafkaClient, groupId: string, topic: string): Promise<{ state: string; protocol: string; members: DescribedMember[] }> {
  const res = await firstValueFrom(
    client.request({ coordinator: { type: 'group', key: groupId } }, api.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }),
  );
  const g = res.groups[0];
  if (g === undefined || g.errorCode !== 0) throw new Error(`DescribeGroups ${groupId}: error code ${String(g?.errorCode)}`);
  return {
    state: g.groupState,
    protocol: g.protocolData,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      partitions: decodeAssignment(m.memberAssignment)
        .partitions.filter((tp) => tp.topic === topic)
        .map((tp) => tp.partition)
        .sort((a, b) => a - b),
    })),
  };
}

// ---- the ledger of generations ----------------------------------------------------------------

/** What one member held in one generation, as it reported it. */
interface GenerationRecord {
  /** Partitions the member owned once it had processed the generation's assignment. */
  readonly owned: Set<number>;
  /** Partitions it gave up because of this generation's assignment (cooperative: they move). */
  readonly revoked: Set<number>;
  /** Every report of the generation has arrived (the record is final). */
  complete: boolean;
}

interface MemberState {
  readonly name: string;
  owned: Set<number>;
  /** Generations in which the member completed a SyncGroup, in order. */
  readonly generations: Map<number, GenerationRecord>;
  /** Generations the member was told it joined (JoinGroup answered), where it says so (kcat). */
  readonly joined: Set<number>;
  /** The latest generation seen when the member started: it can only be in later ones. */
  startedAfter: number;
  /** The latest generation seen once it had left the group (undefined while it is a member). */
  stoppedAt: number | undefined;
  /** The generation of the latest record. */
  current: number;
  /** Partitions released outside any generation's assignment (eager rejoin, close, lost). */
  readonly released: Array<{ after: number; partitions: number[]; why: string }>;
}

/** One member's take of one generation, for the checks and for failure messages. */
export interface GenerationView {
  readonly generation: number;
  readonly members: ReadonlyMap<string, { owned: readonly number[]; revoked: readonly number[]; complete: boolean }>;
}

/**
 * Every member's ownership per generation, fed by each member's own reports (rxkafka's
 * rebalances$, kcat's rebalance and debug lines). Checks: in every generation no partition has two
 * owners; what a generation assigns plus what it has its owners revoke is every partition; a
 * partition revoked by the assignment of a generation goes to another member afterwards
 * (cooperative: a member joining never costs an owner a partition that stays with it).
 */
export class GroupLedger {
  private readonly members = new Map<string, MemberState>();
  private readonly changes = new Subject<void>();
  private readonly failures: string[] = [];
  /** The sizes of generations as their leader saw them, where it says so (kcat leading). */
  private readonly sizes = new Map<number, number>();
  readonly log: string[] = [];

  constructor(readonly partitions: number) {}

  /** A member starts: it can be in the generations after the latest seen now. */
  register(name: string): void {
    this.member(name);
  }

  /** The generation of the member's latest record (-1 before its first). */
  currentGeneration(name: string): number {
    return this.member(name).current;
  }

  private member(name: string): MemberState {
    let m = this.members.get(name);
    if (m === undefined) {
      m = { name, owned: new Set(), generations: new Map(), joined: new Set(), startedAfter: this.latestGeneration(), stoppedAt: undefined, current: -1, released: [] };
      this.members.set(name, m);
    }
    return m;
  }

  /**
   * The member's JoinGroup was answered with `generation` (it may still fail to sync in it);
   * `members` is the group's size when the member leads it (0 otherwise).
   */
  joined(name: string, generation: number, members = 0): void {
    this.member(name).joined.add(generation);
    if (members > 0) this.sizes.set(generation, members);
    this.note(`${name}: joined generation ${generation}${members > 0 ? ` as the leader of ${members}` : ''}`);
  }

  /** Whether a kcat member said it led the generation. */
  ledByKcat(generation: number): boolean {
    return this.sizes.has(generation);
  }

  /** The member has left the group: it is in no generation after the latest seen now. */
  stopped(name: string): void {
    this.member(name).stoppedAt = this.latestGeneration();
    this.note(`${name}: left after generation ${this.latestGeneration()}`);
  }

  latestGeneration(): number {
    let latest = -1;
    for (const m of this.members.values()) for (const g of [...m.generations.keys(), ...m.joined]) latest = Math.max(latest, g);
    return latest;
  }

  /** The member completed SyncGroup of `generation`: a new record, from what it owns now. */
  synced(name: string, generation: number): void {
    const m = this.member(name);
    this.note(`${name}: synced generation ${generation}`);
    if (generation <= m.current) this.fail(`${name}: generation ${generation} synced after generation ${m.current}`);
    m.current = generation;
    m.generations.set(generation, { owned: new Set(m.owned), revoked: new Set(), complete: false });
    this.changed();
  }

  /** Partitions the member took because of its latest generation's assignment. */
  added(name: string, partitions: readonly number[]): void {
    const m = this.member(name);
    const record = m.generations.get(m.current);
    this.note(`${name}: + [${partitions.join(',')}] in generation ${m.current}`);
    if (record === undefined) return this.fail(`${name}: partitions [${partitions.join(',')}] assigned outside a generation`);
    for (const p of partitions) {
      if (m.owned.has(p)) this.fail(`${name}: partition ${p} assigned in generation ${m.current} while already owned`);
      m.owned.add(p);
      record.owned.add(p);
    }
    this.changed();
  }

  /** Partitions the member gave up because of its latest generation's assignment (cooperative). */
  revokedByAssignment(name: string, partitions: readonly number[]): void {
    const m = this.member(name);
    const record = m.generations.get(m.current);
    this.note(`${name}: - [${partitions.join(',')}] by generation ${m.current}`);
    if (record === undefined) return this.fail(`${name}: partitions [${partitions.join(',')}] revoked outside a generation`);
    for (const p of partitions) {
      if (!m.owned.has(p)) this.fail(`${name}: partition ${p} revoked in generation ${m.current} but not owned`);
      m.owned.delete(p);
      record.owned.delete(p);
      record.revoked.add(p);
    }
    this.changed();
  }

  /** Partitions given up between generations (eager rejoin, close, lost): no record changes. */
  released(name: string, partitions: readonly number[], why: string): void {
    const m = this.member(name);
    this.note(`${name}: released [${partitions.join(',')}] after generation ${m.current} (${why})`);
    for (const p of partitions) m.owned.delete(p);
    m.released.push({ after: m.current, partitions: [...partitions], why });
    this.changed();
  }

  /** The member's record of its latest generation is final. */
  completed(name: string): void {
    const m = this.member(name);
    const record = m.generations.get(m.current);
    if (record !== undefined) record.complete = true;
    this.changed();
  }

  fail(why: string): void {
    this.note(`FAILURE ${why}`);
    this.failures.push(why);
    this.changed();
  }

  note(line: string): void {
    this.log.push(line);
  }

  /** Something a wait may be waiting for happened outside the ledger (e.g. a delivery). */
  touch(): void {
    this.changed();
  }

  generations(): GenerationView[] {
    const all = new Set<number>();
    for (const m of this.members.values()) for (const g of m.generations.keys()) all.add(g);
    return [...all]
      .sort((a, b) => a - b)
      .map((generation) => {
        const members = new Map<string, { owned: number[]; revoked: number[]; complete: boolean }>();
        for (const m of this.members.values()) {
          const r = m.generations.get(generation);
          if (r !== undefined) members.set(m.name, { owned: sorted(r.owned), revoked: sorted(r.revoked), complete: r.complete });
        }
        return { generation, members };
      });
  }

  /**
   * The latest generation, once every one of `names` has a complete record of it, none has
   * revoked anything in it, and between them they own every partition; null before.
   */
  stableWith(names: readonly string[]): GenerationView | null {
    const views = this.generations();
    const last = views[views.length - 1];
    if (last === undefined) return null;
    if (names.some((n) => last.members.get(n)?.complete !== true)) return null;
    const owned = names.flatMap((n) => last.members.get(n)?.owned ?? []);
    const revoked = names.flatMap((n) => last.members.get(n)?.revoked ?? []);
    if (revoked.length > 0 || new Set(owned).size !== this.partitions || owned.length !== this.partitions) return null;
    return last;
  }

  /** Resolves with the stable generation of `names`; rejects after `ms` or on a reported failure. */
  async waitStable(names: readonly string[], ms: number): Promise<GenerationView> {
    return this.waitFor(() => this.stableWith(names), ms, `a stable generation of ${names.join(', ')}`);
  }

  /** Resolves with the first non-null `probe()`, evaluated on every ledger change; bounded by `ms`. */
  async waitFor<T>(probe: () => T | null, ms: number, what: string): Promise<T> {
    try {
      return await firstValueFrom(
        this.changes.pipe(
          startWith(undefined),
          map(() => {
            if (this.failures.length > 0) throw new Error(`while waiting for ${what}: ${this.failures.join('; ')}`);
            return probe();
          }),
          filter((v): v is T => v !== null),
          timeout({ first: ms, with: () => Promise.reject(new Error(`no ${what} within ${ms} ms`)) }),
        ),
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${this.describe()}`);
    }
  }

  /**
   * The checks over every generation seen; returns the violations (empty when none): two owners
   * of a partition in one generation; a generation that all its members synced leaving a
   * partition neither assigned nor being revoked; a partition revoked by an assignment and then
   * given back to the member that revoked it (it did not move).
   */
  violations(): string[] {
    const out = [...this.failures];
    const views = this.generations();
    const all = Array.from({ length: this.partitions }, (_, p) => p);
    for (const v of views) {
      const owner = new Map<number, string>();
      for (const [name, r] of v.members) {
        for (const p of r.owned) {
          const other = owner.get(p);
          if (other !== undefined) out.push(`generation ${v.generation}: partition ${p} owned by both ${other} and ${name}`);
          owner.set(p, name);
        }
      }
      if (!this.verifiable(v)) continue;
      const revoked = [...v.members.values()].flatMap((r) => r.revoked);
      for (const p of revoked) if (owner.has(p)) out.push(`generation ${v.generation}: partition ${p} revoked and assigned (to ${owner.get(p)}) in the same generation`);
      const missing = all.filter((p) => !owner.has(p) && !revoked.includes(p));
      if (missing.length > 0) out.push(`generation ${v.generation}: partitions [${missing.join(',')}] neither assigned nor being revoked (members: ${[...v.members.keys()].join(', ')})`);
    }
    // a partition revoked by a generation's assignment moves: its next owner is another member
    for (const v of views) {
      for (const [name, r] of v.members) {
        for (const p of r.revoked) {
          const next = views.find((w) => w.generation > v.generation && [...w.members.values()].some((x) => x.owned.includes(p)));
          if (next === undefined) continue; // never assigned again while we watched
          const nextOwner = [...next.members].find(([, x]) => x.owned.includes(p))?.[0];
          if (nextOwner === name) out.push(`generation ${v.generation}: ${name} revoked partition ${p}, and generation ${next.generation} gave it back to ${name}: it did not move`);
        }
      }
    }
    return out;
  }

  /**
   * Whether every member of the generation told what it got. Not when a member was answered a
   * JoinGroup of it and never synced, or was running then and did not sync it (librdkafka's mock
   * refuses a follower's SyncGroup that arrives after the leader's), or when fewer members synced
   * than the leader counted.
   */
  verifiable(v: GenerationView): boolean {
    if ([...v.members.values()].some((r) => !r.complete)) return false;
    const size = this.sizes.get(v.generation);
    if (size !== undefined) return v.members.size === size;
    for (const m of this.members.values()) {
      if (m.generations.has(v.generation)) continue;
      if (m.joined.has(v.generation)) return false;
      // started before it and not yet gone: it may have been in it and refused its sync
      if (v.generation > m.startedAfter && (m.stoppedAt === undefined || v.generation <= m.stoppedAt)) return false;
    }
    return true;
  }

  describe(): string {
    const lines = this.generations().map(
      (v) =>
        `  generation ${v.generation}: ` +
        [...v.members].map(([n, r]) => `${n}=[${r.owned.join(',')}]${r.revoked.length > 0 ? ` revoked [${r.revoked.join(',')}]` : ''}${r.complete ? '' : ' (incomplete)'}`).join(' ') +
        (this.verifiable(v) ? '' : '  (not every member synced: coverage not checked)'),
    );
    return ['ledger:', ...lines, 'events:', ...this.log.slice(-80).map((l) => `  ${l}`)].join('\n');
  }

  private changed(): void {
    this.changes.next();
  }
}

const sorted = (s: Iterable<number>): number[] => [...s].sort((a, b) => a - b);

// ---- rxkafka members --------------------------------------------------------------------------

/** An rxkafka consumer in the ledger: its rebalances$ feed it, its records are kept. */
export class RxMember {
  readonly deliveries: Delivery[] = [];
  readonly events: RebalanceEvent[] = [];
  /** The 'revoked' events that a generation's assignment caused (cooperative), not an eager rejoin or close. */
  readonly revokedByAssignment: RebalanceEvent[] = [];
  /** The consumer's latest stats$ snapshot (every change touches the ledger). */
  stats: ConsumerStats | null = null;
  private readonly subscriptions: Subscription[] = [];
  private lastAssigned = -1;
  private closed = false;

  constructor(
    readonly name: string,
    readonly consumer: Consumer,
    private readonly ledger: GroupLedger,
    private readonly topic: string,
    onDelivery?: (d: Delivery) => void,
  ) {
    ledger.register(name);
    this.subscriptions.push(
      consumer.rebalances$.subscribe({
        next: (e) => this.onRebalance(e),
        error: (e: unknown) => ledger.fail(`${name}: rebalances$ failed: ${String(e)}`),
      }),
    );
    this.subscriptions.push(
      consumer.stats$.subscribe((s) => {
        this.stats = s;
        ledger.touch();
      }),
    );
    this.subscriptions.push(
      consumer.records$.subscribe({
        next: (r) => {
          const d: Delivery = { member: name, partition: r.partition, offset: r.offset, value: r.value === null ? null : r.value.toString('utf8') };
          this.deliveries.push(d);
          onDelivery?.(d);
        },
        error: (e: unknown) => ledger.fail(`${name}: records$ failed: ${String(e)}`),
      }),
    );
  }

  private onRebalance(e: RebalanceEvent): void {
    this.events.push(e);
    const parts = e.partitions.filter((tp) => tp.topic === this.topic).map((tp) => tp.partition);
    switch (e.type) {
      case 'assigned':
        // 'assigned' is told once per generation the member synced in, after that generation's revokes
        if (e.generationId !== this.lastAssigned && this.ledger.currentGeneration(this.name) !== e.generationId) this.ledger.synced(this.name, e.generationId);
        this.lastAssigned = e.generationId;
        this.ledger.added(this.name, parts);
        this.ledger.completed(this.name);
        return;
      case 'revoked':
        if (this.closed || e.generationId <= this.lastAssigned) {
          // eager: everything goes before the member joins again; or the member is closing
          this.ledger.released(this.name, parts, this.closed ? 'close' : 'eager rejoin');
        } else {
          // cooperative: the assignment of a new generation took these away (told before its 'assigned')
          if (this.ledger.currentGeneration(this.name) !== e.generationId) this.ledger.synced(this.name, e.generationId);
          this.revokedByAssignment.push(e);
          this.ledger.revokedByAssignment(this.name, parts);
        }
        return;
      case 'lost':
        this.ledger.released(this.name, parts, 'lost');
        return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.consumer.close();
    for (const s of this.subscriptions) s.unsubscribe();
    this.ledger.stopped(this.name);
  }
}

// ---- librdkafka members (kcat -G) -------------------------------------------------------------

export interface KcatMemberOptions {
  readonly name: string;
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly topic: string;
  readonly strategy: 'range' | 'roundrobin' | 'cooperative-sticky';
  readonly ledger: GroupLedger;
  /** Default 6000; librdkafka needs max.poll.interval.ms >= session.timeout.ms, and both bound its rebalances. */
  readonly sessionTimeoutMs?: number;
  readonly extra?: readonly string[];
}

const JOIN = /\|JOINGROUP\|.*JoinGroup response: GenerationId (-?\d+),.*member metadata count (\d+): \(no error\)$/;
const SYNC = /\|SYNCGROUP\|.*SyncGroup response: Success/;
const COOP = /\|COOPASSIGN\|.*incremental assignment: (\d+) newly added, (\d+) revoked partitions/;
const EAGER_LINE = /^% Group \S+ rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)$/;
const COOP_LINE = /^% Group \S+ rebalanced: incremental (assignment|revoke) of (\d+) partition\(s\) \(memberid ([^,]+)(, assignment lost)?, \S+ rebalance protocol\): ?(.*)$/;

/** The start of one of librdkafka's log lines: `%7|1700000000.123|FACILITY|name| text`. */
const LOG_START = /%[0-7]\|\d+\.\d+\|/;
/** What may be the beginning of LOG_START at the end of the text read so far. */
const LOG_START_PREFIX = /%(\d(\|(\d+(\.\d*)?)?)?)?$/;

/**
 * Splits kcat's stderr into librdkafka's log lines and kcat's own lines. kcat writes a rebalance
 * line in pieces (its header, then partition by partition) from the application thread while
 * librdkafka logs from its own threads, each log line in one write: a log line may land inside a
 * kcat line. Such log lines are told after that kcat line, which began before them.
 */
class StderrSplitter {
  private pending = '';
  private partial = '';
  private readonly held: string[] = [];

  constructor(
    private readonly onLog: (line: string) => void,
    private readonly onText: (line: string) => void,
  ) {}

  push(chunk: string): void {
    this.pending += chunk;
    for (;;) {
      const start = LOG_START.exec(this.pending);
      if (start === null) {
        const tail = LOG_START_PREFIX.exec(this.pending);
        const cut = tail === null ? this.pending.length : tail.index;
        this.text(this.pending.slice(0, cut));
        this.pending = this.pending.slice(cut);
        return;
      }
      this.text(this.pending.slice(0, start.index));
      const end = this.pending.indexOf('\n', start.index);
      if (end < 0) {
        this.pending = this.pending.slice(start.index);
        return;
      }
      const log = this.pending.slice(start.index, end);
      this.pending = this.pending.slice(end + 1);
      if (this.partial === '') this.onLog(log);
      else this.held.push(log);
    }
  }

  end(): void {
    if (this.pending !== '' || this.partial !== '') this.text(`${this.pending}\n`);
    this.pending = '';
  }

  private text(t: string): void {
    let s = this.partial + t;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n')) {
      this.onText(s.slice(0, nl));
      s = s.slice(nl + 1);
      for (const log of this.held.splice(0)) this.onLog(log);
    }
    this.partial = s;
  }
}

/**
 * kcat as a balanced consumer (`kcat -G`), a member of the group until stop(). Its stderr tells
 * the ledger what it owns: librdkafka's cgrp debug lines (JoinGroup generation, SyncGroup
 * success, how many partitions a cooperative assignment adds and revokes) and kcat's own
 * rebalance lines (the partitions), both in the order they happened.
 */
export class KcatMember {
  readonly name: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stdout: Buffer[] = [];
  private readonly stderrTail: string[] = [];
  private readonly exited: Promise<number | null>;
  private readonly ledger: GroupLedger;
  private joinedGeneration = -1;
  /** Of the latest synced generation: rebalance lines still to come (cooperative). */
  private expect: { adds: number; revokes: number } | null = null;
  private stopping = false;
  private exitCode: number | null | undefined;

  constructor(private readonly options: KcatMemberOptions) {
    this.name = options.name;
    this.ledger = options.ledger;
    this.ledger.register(this.name);
    const session = options.sessionTimeoutMs ?? 6000;
    const args = [
      '-b', options.brokers.join(','),
      '-G', options.groupId,
      '-d', 'cgrp',
      '-f', KCAT_FORMAT,
      '-X', `client.id=${options.name}`,
      '-X', `partition.assignment.strategy=${options.strategy}`,
      '-X', `session.timeout.ms=${session}`,
      '-X', `max.poll.interval.ms=${session}`,
      '-X', 'heartbeat.interval.ms=250',
      '-X', 'auto.offset.reset=earliest',
      '-X', 'auto.commit.interval.ms=500',
      '-X', 'check.crcs=true',
      ...(options.extra ?? []),
      options.topic,
    ];
    this.child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.end();
    this.child.stdout.on('data', (chunk: Buffer) => this.stdout.push(chunk));
    const stderr = new StderrSplitter(
      (line) => this.onLog(line),
      (line) => this.onText(line),
    );
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => stderr.push(chunk));
    this.child.stderr.on('end', () => stderr.end());
    // no kcat outlives the test process, whatever happens to the test
    process.once('exit', this.killOnExit);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.ledger.fail(`${this.name}: kcat did not start: ${e.message}`);
        resolve(null);
      });
      this.child.on('close', (code) => {
        this.exitCode = code;
        process.removeListener('exit', this.killOnExit);
        if (!this.stopping) this.ledger.fail(`${this.name}: kcat exited by itself (code ${String(code)}):\n${this.stderrTail.join('\n')}`);
        resolve(code);
      });
    });
  }

  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  /** librdkafka's log lines: the generation joined, the sync, a cooperative assignment's counts. */
  private onLog(line: string): void {
    const join = JOIN.exec(line);
    if (join !== null) {
      this.joinedGeneration = Number(join[1]);
      this.ledger.joined(this.name, this.joinedGeneration, Number(join[2]));
      return;
    }
    if (SYNC.test(line)) {
      this.ledger.synced(this.name, this.joinedGeneration);
      // eager: the "assigned" line completes the generation; cooperative: the counts say what comes
      this.expect = this.options.strategy === 'cooperative-sticky' ? null : { adds: 1, revokes: 0 };
      return;
    }
    const coop = COOP.exec(line);
    if (coop !== null) {
      this.expect = { adds: Number(coop[1]) > 0 ? 1 : 0, revokes: Number(coop[2]) > 0 ? 1 : 0 };
      this.maybeComplete();
    }
  }

  /** kcat's own lines: the partitions assigned and revoked. */
  private onText(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > 40) this.stderrTail.shift();
    const eager = EAGER_LINE.exec(line);
    if (eager !== null) {
      const parts = this.partitionsOf(eager[2]);
      if (eager[1] === 'assigned') {
        this.ledger.added(this.name, parts);
        if (this.expect !== null) this.expect.adds = 0;
        this.maybeComplete();
      } else {
        this.ledger.released(this.name, parts, this.stopping ? 'close' : 'eager rejoin');
      }
      return;
    }
    const coop = COOP_LINE.exec(line);
    if (coop !== null) {
      const parts = this.partitionsOf(coop[5]);
      const lost = coop[4] !== undefined;
      if (coop[1] === 'assignment') {
        this.ledger.added(this.name, parts);
        if (this.expect !== null && parts.length > 0) this.expect.adds = 0;
      } else if (lost || this.stopping) {
        this.ledger.released(this.name, parts, lost ? 'lost' : 'close');
      } else {
        this.ledger.revokedByAssignment(this.name, parts);
        if (this.expect !== null && parts.length > 0) this.expect.revokes = 0;
      }
      this.maybeComplete();
    }
  }

  private maybeComplete(): void {
    if (this.expect !== null && this.expect.adds === 0 && this.expect.revokes === 0) {
      this.expect = null;
      this.ledger.completed(this.name);
    }
  }

  private partitionsOf(list: string): number[] {
    const out: number[] = [];
    for (const m of list.matchAll(/(\S+) \[(-?\d+)\]/g)) if (m[1] === this.options.topic) out.push(Number(m[2]));
    return out;
  }

  /** The records it printed: all of them once it has exited (kcat buffers its stdout). */
  records(): KcatRecord[] {
    return parseKcatRecords(Buffer.concat(this.stdout));
  }

  /**
   * SIGTERM: kcat closes its consumer (commits, leaves the group) and exits; bounded by `ms`, then
   * SIGKILL.
   */
  async stop(ms = 15_000): Promise<number | null> {
    this.stopping = true;
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      this.ledger.stopped(this.name);
    }
  }

  /** For finally blocks: no child outlives its test. */
  kill(): void {
    this.stopping = true;
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
  }

  get stderr(): string {
    return this.stderrTail.join('\n');
  }
}
