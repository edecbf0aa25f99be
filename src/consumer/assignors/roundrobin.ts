/**
 * The Java client's RoundRobinAssignor ('roundrobin'): all partitions, topics by name and
 * partitions by number, dealt one at a time around the members in MemberInfo order, skipping
 * a member not subscribed to the partition's topic. Balanced when subscriptions are identical.
 */
import type { TopicPartition } from '../../topic-partition.js';
import type { Assignor } from './assignor.js';
import { assignableTopics, emptyAssignment, toMemberAssignments } from './assignment-maps.js';
import { compareMemberInfo } from './java-order.js';

export const roundRobinAssignor: Assignor = Object.freeze<Assignor>({
  name: 'roundrobin',
  protocol: 'eager',
  assign(members, partitionsPerTopic) {
    const assignment = emptyAssignment(members);
    const circle = [...members].sort(compareMemberInfo).map((member) => ({
      partitions: assignment.get(member.memberId) as TopicPartition[],
      topics: new Set(member.topics),
    }));
    let next = 0;
    // assignableTopics is sorted by name and holds only subscribed topics, so the skip loop ends.
    for (const [topic, count] of assignableTopics(members, partitionsPerTopic)) {
      for (let partition = 0; partition < count; partition++) {
        while (!circle[next % circle.length].topics.has(topic)) next++;
        circle[next % circle.length].partitions.push({ topic, partition });
        next++;
      }
    }
    return toMemberAssignments(assignment);
  },
});
