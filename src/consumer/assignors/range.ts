/**
 * The Java client's RangeAssignor ('range'): topic by topic, the members subscribed to it in
 * MemberInfo order each get a contiguous range of its partitions, the first (count % members)
 * one extra. Kafka 3.5+ makes Java's range rack-aware when member and replica racks are known
 * (KIP-881); this is its plain behaviour, which is also what Java does without racks.
 */
import type { TopicPartition } from '../../topic-partition.js';
import type { Assignor } from './assignor.js';
import { assignableTopics, emptyAssignment, toMemberAssignments } from './assignment-maps.js';
import { compareMemberInfo } from './java-order.js';

export const rangeAssignor: Assignor = Object.freeze<Assignor>({
  name: 'range',
  protocol: 'eager',
  assign(members, partitionsPerTopic) {
    const assignment = emptyAssignment(members);
    const sorted = [...members].sort(compareMemberInfo);
    for (const [topic, count] of assignableTopics(members, partitionsPerTopic)) {
      const consumers = sorted.filter((member) => member.topics.includes(topic));
      const perMember = Math.floor(count / consumers.length);
      const withExtra = count % consumers.length;
      consumers.forEach((member, i) => {
        const start = perMember * i + Math.min(i, withExtra);
        const length = perMember + (i < withExtra ? 1 : 0);
        const partitions = assignment.get(member.memberId) as TopicPartition[];
        for (let p = start; p < start + length; p++) partitions.push({ topic, partition: p });
      });
    }
    return toMemberAssignments(assignment);
  },
});
