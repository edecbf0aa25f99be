/**
 * The consumer protocol's embedded bytes: a member's subscription (its JoinGroup protocol
 * metadata) and its assignment (its SyncGroup member state). Each is an int16 version followed
 * by the struct of Kafka's ConsumerProtocolSubscription / ConsumerProtocolAssignment, written as
 * the Java client's `ConsumerProtocol` writes them, so Java, librdkafka and rxkafka members can
 * share a group whichever of them leads it.
 *
 * Versions written:
 * - Subscription v3, as Java 3.5+ does: v1 carries the owned partitions (cooperative rebalancing,
 *   KIP-429), v2 the generation of that ownership (KIP-792), v3 the rack (KIP-881). Every reader
 *   we know reads a newer version by reading the fields it knows: Java parses a newer version as
 *   its newest, librdkafka reads the fields it knows whatever the version (librdkafka 2.0 itself
 *   writes v1), and later fields only ever append.
 * - Assignment v3, as Java 3.5+ does; every version has the same fields.
 */
import { KafkaError } from '../errors.js';
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../protocol/messages/index.js';
import type { MemberAssignment } from './assignors/assignor.js';
import { byTopic, type TopicPartition } from '../topic-partition.js';

export const SUBSCRIPTION_VERSION = 3;
export const ASSIGNMENT_VERSION = 3;

/** What a member puts in its subscription; absent fields take the protocol's defaults. */
export interface SubscriptionData {
  readonly topics: readonly string[];
  readonly userData?: Buffer | null;
  readonly ownedPartitions?: readonly TopicPartition[];
  /** The generation of `ownedPartitions`; -1 (the default) for none. */
  readonly generationId?: number;
  readonly rackId?: string | null;
}

/** A subscription as read from JoinGroup: every field, defaulted where its version lacks it. */
export interface DecodedSubscription {
  /** The version the member wrote (possibly newer than the ones we know). */
  readonly version: number;
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  readonly ownedPartitions: readonly TopicPartition[];
  /** -1 when the member sent none (before v2) or has no generation. */
  readonly generationId: number;
  /** null when absent or empty (Java treats an empty rack as none). */
  readonly rackId: string | null;
}

/** An assignment as read from SyncGroup. */
export interface DecodedAssignment extends MemberAssignment {
  /** The version the leader wrote; null for zero-length bytes. */
  readonly version: number | null;
  readonly partitions: readonly TopicPartition[];
  readonly userData: Buffer | null;
}

export function encodeSubscription(subscription: SubscriptionData, version = SUBSCRIPTION_VERSION): Buffer {
  checkVersion('subscription', version, ConsumerProtocolSubscription.maxVersion);
  // Java sorts both (ConsumerProtocol.serializeSubscription); sorting keeps our bytes equal to its bytes.
  const topics = [...subscription.topics].sort(compareStrings);
  const owned = [...(subscription.ownedPartitions ?? [])].sort(
    (a, b) => compareStrings(a.topic, b.topic) || a.partition - b.partition,
  );
  return ConsumerProtocolSubscription.encodeVersioned(version, {
    topics,
    userData: subscription.userData ?? null,
    ownedPartitions: groupByTopic(owned),
    generationId: subscription.generationId ?? -1,
    rackId: subscription.rackId ?? null,
  });
}

export function decodeSubscription(bytes: Uint8Array): DecodedSubscription {
  const { version, body } = ConsumerProtocolSubscription.decodeVersioned(bytes);
  return {
    version,
    topics: body.topics,
    userData: copy(body.userData),
    ownedPartitions: flatten(body.ownedPartitions),
    generationId: body.generationId,
    rackId: body.rackId === '' ? null : body.rackId,
  };
}

export function encodeAssignment(assignment: MemberAssignment, version = ASSIGNMENT_VERSION): Buffer {
  checkVersion('assignment', version, ConsumerProtocolAssignment.maxVersion);
  return ConsumerProtocolAssignment.encodeVersioned(version, {
    assignedPartitions: groupByTopic(assignment.partitions),
    userData: assignment.userData ?? null,
  });
}

/**
 * Zero-length bytes are an empty assignment: the coordinator hands them to a member the leader
 * gave nothing (Java's leader leaves such members out; librdkafka reads them as empty too).
 */
export function decodeAssignment(bytes: Uint8Array): DecodedAssignment {
  if (bytes.length === 0) return { version: null, partitions: [], userData: null };
  const { version, body } = ConsumerProtocolAssignment.decodeVersioned(bytes);
  return { version, partitions: flatten(body.assignedPartitions), userData: copy(body.userData) };
}

function checkVersion(what: string, version: number, max: number): void {
  if (!Number.isInteger(version) || version < 0 || version > max) {
    throw new KafkaError(`consumer protocol ${what} version ${version} is not one we write (0..${max})`);
  }
}

/** One entry per topic in order of first appearance, as Java's serializer groups them. */
function groupByTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  return [...byTopic(partitions)].map(([topic, list]) => ({ topic, partitions: list.map((p) => p.partition) }));
}

function flatten(groups: readonly { topic: string; partitions: readonly number[] }[]): TopicPartition[] {
  return groups.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
}

// The decoder's bytes are views into the whole JoinGroup/SyncGroup response; a copy lets that go.
const copy = (b: Buffer | null): Buffer | null => (b === null ? null : Buffer.from(b));

/** Java's String.compareTo: UTF-16 code units, as JavaScript's < compares. */
const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
