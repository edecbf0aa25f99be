/**
 * The sticky assignment itself (Java's AbstractStickyAssignor, Kafka 3.5+, without racks):
 * balanced, and keeping as many honoured claims as balance allows. Identical subscriptions take
 * the constrained path, which also names the partitions it takes from an owner; different ones
 * the general path. The cooperative assignor builds on this (cooperative-sticky.ts).
 */
import type { TopicPartition } from '../../topic-partition.js';
import { assignableTopics } from './assignment-maps.js';
import { hashMapOrder } from './java-order.js';
import { constrainedAssign } from './sticky-constrained.js';
import { generalAssign } from './sticky-general.js';
import { resolveOwnership, type StickyMember } from './sticky-ownership.js';

export type { StickyMember } from './sticky-ownership.js';

export interface StickyAssignment {
  /** Every member's partitions, before any cooperative hold-back. */
  readonly assignment: Map<string, TopicPartition[]>;
  /**
   * Partition key -> new member, for partitions taken from a member that owned them, when the
   * constrained path ran; null after the general path, which does not track them.
   */
  readonly transferring: Map<string, string> | null;
}

/**
 * `members` in JoinGroup order: Java's leader puts them in a HashMap by member id and iterates
 * that, so they are taken in the order that HashMap would give.
 */
export function stickyAssign(members: readonly StickyMember[], partitionsPerTopic: ReadonlyMap<string, number>): StickyAssignment {
  if (members.length === 0) return { assignment: new Map(), transferring: new Map() };
  const ordered = hashMapOrder(members, (m) => m.memberId);
  const topics = assignableTopics(ordered, partitionsPerTopic);
  const ownership = resolveOwnership(ordered, topics);
  if (ownership.subscriptionsEqual) return constrainedAssign(topics, ownership);
  return { assignment: generalAssign(topics, ordered, ownership), transferring: null };
}
