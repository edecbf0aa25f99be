/** Helpers shared by the assignor specs: members, seeded randomness, checks of an assignment. */
import type { AssignorMember, MemberAssignment } from '../../../src/consumer/assignors/index.js';
import { partitionKey, type TopicPartition } from '../../../src/topic-partition.js';

export interface MemberSpec {
  readonly topics: readonly string[];
  readonly owned?: readonly TopicPartition[];
  readonly generation?: number;
  readonly instance?: string | null;
  readonly userData?: Buffer | null;
}

export function member(memberId: string, spec: MemberSpec | readonly string[]): AssignorMember {
  const s: MemberSpec = Array.isArray(spec) ? { topics: spec as readonly string[] } : (spec as MemberSpec);
  return {
    memberId,
    groupInstanceId: s.instance ?? null,
    topics: s.topics,
    userData: s.userData ?? null,
    ownedPartitions: s.owned ?? [],
    generationId: s.generation ?? -1,
    rackId: null,
  };
}

/** "t0p2" style names, as the Java javadoc writes partitions. */
export const tp = (name: string): TopicPartition => {
  const m = /^(.*)p(\d+)$/.exec(name);
  if (m === null) throw new Error(`bad partition name ${name}`);
  return { topic: m[1], partition: Number(m[2]) };
};
export const tps = (...names: string[]): TopicPartition[] => names.map(tp);

/** member id -> its partitions as "t0p2" names, sorted, for readable expectations. */
export function names(result: ReadonlyMap<string, MemberAssignment | readonly TopicPartition[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, value] of result) {
    const partitions = Array.isArray(value) ? (value as readonly TopicPartition[]) : (value as MemberAssignment).partitions;
    out[id] = partitions.map((p) => `${p.topic}p${p.partition}`).sort();
  }
  return out;
}

export { seeded as mulberry32 } from '../../support/seeded.js';

export const randomInt = (random: () => number, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

/** Each partition key -> the members it is assigned to. */
export function holders(result: ReadonlyMap<string, MemberAssignment>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, { partitions }] of result) {
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition);
      out.set(key, [...(out.get(key) ?? []), id]);
    }
  }
  return out;
}

/** Every partition of a topic some member subscribes to (and the metadata knows). */
export function assignable(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): string[] {
  const topics = new Set(members.flatMap((m) => m.topics));
  return [...topics].flatMap((t) => Array.from({ length: partitionsPerTopic.get(t) ?? 0 }, (_, p) => partitionKey(t, p)));
}

/** The group after members took up `result`: each owns what it was given, one generation on. */
export function afterRound(members: readonly AssignorMember[], result: ReadonlyMap<string, MemberAssignment>, generation: number): AssignorMember[] {
  return members.map((m) => ({ ...m, ownedPartitions: result.get(m.memberId)?.partitions ?? [], generationId: generation }));
}

export const sizes = (result: ReadonlyMap<string, MemberAssignment>): number[] => [...result.values()].map((a) => a.partitions.length);
