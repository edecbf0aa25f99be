import { describe, expect, it } from 'vitest';
import {
  bucketIndex,
  compareMemberInfo,
  hashMapCapacity,
  hashMapOrder,
  stringHashCode,
  topicPartitionHashCode,
} from '../../../src/consumer/assignors/java-order.js';

describe("Java's orders", () => {
  it('String.hashCode, int32 overflow included', () => {
    expect(stringHashCode('')).toBe(0);
    expect(stringHashCode('hello')).toBe(99162322);
    expect(stringHashCode('Aa')).toBe(2112);
    expect(stringHashCode('BB')).toBe(2112);
    expect(stringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('TopicPartition.hashCode is 31 * (31 + partition) + topic.hashCode()', () => {
    expect(topicPartitionHashCode('t0', 3)).toBe(31 * 34 + stringHashCode('t0'));
    expect(topicPartitionHashCode('polygenelubricants', 0)).toBe((961 - 2147483648) | 0);
  });

  it('HashMap grows from 16 when its size passes 3/4 of the table', () => {
    expect([0, 12, 13, 24, 25, 48, 49].map(hashMapCapacity)).toEqual([16, 16, 32, 32, 64, 64, 128]);
  });

  it('buckets by the hash with its high half folded in', () => {
    expect(bucketIndex(0x10001, 16)).toBe(0);
    expect(bucketIndex(0x10002, 16)).toBe(3);
    expect(bucketIndex(-1, 16)).toBe(0);
  });

  it('iterates bucket by bucket, insertion order within a bucket', () => {
    // 'q' (113) and 'a' (97) share bucket 1 of 16; 'b' (98) is in bucket 2.
    expect(hashMapOrder(['b', 'q', 'a'], (k) => k)).toEqual(['q', 'a', 'b']);
    expect(hashMapOrder(['b', 'a', 'q'], (k) => k)).toEqual(['a', 'q', 'b']);
  });

  it('MemberInfo order: static members first by instance id, then the rest by member id', () => {
    const members = [
      { memberId: 'a', groupInstanceId: null },
      { memberId: 'c', groupInstanceId: 'i2' },
      { memberId: 'b', groupInstanceId: null },
      { memberId: 'd', groupInstanceId: 'i1' },
    ];
    expect([...members].sort(compareMemberInfo).map((m) => m.memberId)).toEqual(['d', 'c', 'a', 'b']);
  });
});
