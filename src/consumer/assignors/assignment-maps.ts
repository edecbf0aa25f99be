/** What every assignor starts from and ends with. */
import type { TopicPartition } from '../../topic-partition.js';
import type { MemberAssignment } from './assignor.js';
import { compareStrings } from './java-order.js';

/**
 * The topics to assign: those some member subscribes to and that have partitions, with their
 * partition counts. Java's AbstractPartitionAssignor skips a subscribed topic without metadata
 * (or without partitions), and never sees a topic nobody subscribes to; sorted by name.
 */
export function assignableTopics(
  members: readonly { readonly topics: Iterable<string> }[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): Map<string, number> {
  const subscribed = new Set<string>();
  for (const member of members) for (const topic of member.topics) subscribed.add(topic);
  const topics = [...subscribed].filter((topic) => (partitionsPerTopic.get(topic) ?? 0) > 0).sort(compareStrings);
  return new Map(topics.map((topic) => [topic, partitionsPerTopic.get(topic) ?? 0]));
}

/** An empty partition list for every member. */
export const emptyAssignment = (members: readonly { readonly memberId: string }[]): Map<string, TopicPartition[]> =>
  new Map(members.map((member) => [member.memberId, []]));

export const compareTopicPartitions = (a: TopicPartition, b: TopicPartition): number =>
  compareStrings(a.topic, b.topic) || a.partition - b.partition;

/** The assignor's answer, each member's partitions sorted by topic and partition. */
export const toMemberAssignments = (assignment: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, MemberAssignment> =>
  new Map([...assignment].map(([memberId, partitions]) => [memberId, { partitions: [...partitions].sort(compareTopicPartitions) }]));
