import type { TopicPartition } from '../../topic-partition.js';

/**
 * How a group's leader splits partitions among members (a Kafka "partition assignor"). The
 * built-in ones speak the Java client's bytes (ConsumerProtocol subscription and assignment),
 * so rxkafka, Java and librdkafka members share a group.
 */
export interface Assignor {
  /** The protocol name in JoinGroup: 'range', 'roundrobin', 'cooperative-sticky', or your own. */
  readonly name: string;
  /**
   * 'eager': every member gives up all its partitions before each rebalance. 'cooperative'
   * (KIP-429): members keep what stays theirs; a partition moving to another member is revoked
   * first and assigned in a follow-up rebalance.
   */
  readonly protocol: 'eager' | 'cooperative';
  /** The user data this member sends in its subscription (null for none). */
  subscriptionUserData?(context: SubscriptionContext): Buffer | null;
  /**
   * Run by the leader: each member's assignment, by member id. Every member of `members` gets an
   * entry (possibly empty); every partition of a subscribed topic goes to at most one member.
   */
  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, MemberAssignment>;
}

/** What a member knows of itself as it joins. */
export interface SubscriptionContext {
  readonly topics: readonly string[];
  readonly ownedPartitions: readonly TopicPartition[];
  /** The generation it last had an assignment in, -1 for none. */
  readonly generationId: number;
}

/** One member's subscription as the leader reads it from JoinGroup. */
export interface AssignorMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  /** Partitions the member owns now (subscription v1+); empty from older members. */
  readonly ownedPartitions: readonly TopicPartition[];
  /** The generation of those owned partitions (subscription v2+), -1 when unknown. */
  readonly generationId: number;
  readonly rackId: string | null;
}

/** What the leader hands one member. */
export interface MemberAssignment {
  readonly partitions: readonly TopicPartition[];
  readonly userData?: Buffer | null;
}
