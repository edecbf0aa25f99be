import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  ASSIGNMENT_VERSION,
  SUBSCRIPTION_VERSION,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../src/consumer/consumer-protocol.js';
import { KafkaError, KafkaProtocolError } from '../../../src/errors.js';
import { tps } from './support.js';

// Bytes written by hand from Kafka's ConsumerProtocolSubscription.json / ConsumerProtocolAssignment.json
// (non-flexible): big-endian int16 version prefix, int32 array counts, int16-length strings
// (-1 = null), int32-length bytes (-1 = null).
const i16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const i32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const str = (s: string | null): number[] => (s === null ? i16(-1) : [...i16(Buffer.byteLength(s)), ...Buffer.from(s)]);
const bytes = (b: number[] | null): number[] => (b === null ? i32(-1) : [...i32(b.length), ...b]);
const array = <T>(items: readonly T[], each: (item: T) => number[]): number[] => [...i32(items.length), ...items.flatMap(each)];
const topicPartitions = (groups: readonly [string, number[]][]): number[] =>
  array(groups, ([topic, partitions]) => [...str(topic), ...array(partitions, i32)]);
const buf = (...parts: number[][]): Buffer => Buffer.from(parts.flat());

const topics = (...t: string[]): number[] => array(t, str);
const owned = topicPartitions([
  ['t0', [0, 2]],
  ['t1', [1]],
]);

const subscriptionV0 = buf(i16(0), topics('t0', 't1'), bytes(null));
const subscriptionV1 = buf(i16(1), topics('t0', 't1'), bytes([0xca, 0xfe]), owned);
const subscriptionV2 = buf(i16(2), topics('t0', 't1'), bytes([0xca, 0xfe]), owned, i32(7));
const subscriptionV3 = buf(i16(3), topics('t0', 't1'), bytes([0xca, 0xfe]), owned, i32(7), str('rack-a'));

const full = {
  topics: ['t1', 't0'],
  userData: Buffer.from([0xca, 0xfe]),
  // out of order: Java sorts owned partitions by topic then number before grouping them
  ownedPartitions: tps('t1p1', 't0p2', 't0p0'),
  generationId: 7,
  rackId: 'rack-a',
};

describe('subscription bytes', () => {
  it('writes v3 by default, as Java 3.5+', () => {
    expect(SUBSCRIPTION_VERSION).toBe(3);
    expect(encodeSubscription(full)).toEqual(subscriptionV3);
  });

  it.each([
    [0, subscriptionV0, { ...full, userData: null }],
    [1, subscriptionV1, full],
    [2, subscriptionV2, full],
    [3, subscriptionV3, full],
  ] as const)('writes v%i field for field (topics sorted, owned grouped by topic)', (version, expected, input) => {
    expect(encodeSubscription(input, version)).toEqual(expected);
  });

  it('defaults: no user data, no owned partitions, generation -1, no rack', () => {
    expect(encodeSubscription({ topics: ['t0'] })).toEqual(buf(i16(3), topics('t0'), bytes(null), i32(0), i32(-1), str(null)));
  });

  it('refuses a version it cannot write', () => {
    expect(() => encodeSubscription(full, 4)).toThrow(KafkaError);
    expect(() => encodeSubscription(full, -1)).toThrow(KafkaError);
  });

  it('reads v0: no owned partitions, generation -1, no rack', () => {
    expect(decodeSubscription(subscriptionV0)).toEqual({
      version: 0,
      topics: ['t0', 't1'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });

  it('reads v1 (owned partitions flattened)', () => {
    expect(decodeSubscription(subscriptionV1)).toEqual({
      version: 1,
      topics: ['t0', 't1'],
      userData: Buffer.from([0xca, 0xfe]),
      ownedPartitions: tps('t0p0', 't0p2', 't1p1'),
      generationId: -1,
      rackId: null,
    });
  });

  it('reads v3', () => {
    expect(decodeSubscription(subscriptionV3)).toEqual({
      version: 3,
      topics: ['t0', 't1'],
      userData: Buffer.from([0xca, 0xfe]),
      ownedPartitions: tps('t0p0', 't0p2', 't1p1'),
      generationId: 7,
      rackId: 'rack-a',
    });
  });

  it('reads a newer version by the fields it knows, as Java does', () => {
    const v4 = buf(i16(4), [...subscriptionV3.subarray(2)], i32(123), str('a field from the future'));
    expect(decodeSubscription(v4)).toEqual({ ...decodeSubscription(subscriptionV3), version: 4 });
  });

  it('reads an empty rack as none (Java: Optional.empty)', () => {
    expect(decodeSubscription(buf(i16(3), topics('t0'), bytes(null), i32(0), i32(-1), str(''))).rackId).toBeNull();
  });

  it('reads what librdkafka 2.0 sends: v1 with empty (not null) user data', () => {
    const librdkafka = buf(i16(1), topics('topic-a'), bytes([]), i32(0));
    expect(decodeSubscription(librdkafka)).toMatchObject({ version: 1, topics: ['topic-a'], userData: Buffer.alloc(0), ownedPartitions: [] });
  });

  it('user data is a copy, not a view of the response buffer', () => {
    const input = Buffer.from(subscriptionV1);
    const { userData } = decodeSubscription(input);
    input.fill(0);
    expect(userData).toEqual(Buffer.from([0xca, 0xfe]));
  });

  it('fails typed on bytes that are not a subscription', () => {
    expect(() => decodeSubscription(Buffer.alloc(0))).toThrow(KafkaProtocolError);
    expect(() => decodeSubscription(subscriptionV3.subarray(0, 9))).toThrow(KafkaProtocolError);
    expect(() => decodeSubscription(buf(i16(-1), topics('t0'), bytes(null)))).toThrow(KafkaProtocolError);
  });

  it('matches KafkaJS, an independent implementation, at v0', () => {
    const kafkajs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['t0', 't1'], userData: Buffer.alloc(0) });
    expect(encodeSubscription({ topics: ['t0', 't1'], userData: Buffer.alloc(0) }, 0)).toEqual(kafkajs);
    expect(AssignerProtocol.MemberMetadata.decode(encodeSubscription(full))).toMatchObject({ version: 3, topics: ['t0', 't1'] });
  });
});

describe('assignment bytes', () => {
  const body = [topicPartitions([['t1', [2, 0]], ['t0', [1]]]), bytes([1, 2, 3])];
  const assignment = { partitions: tps('t1p2', 't0p1', 't1p0'), userData: Buffer.from([1, 2, 3]) };

  it('writes v3 by default; topics in order of first appearance, as Java groups them', () => {
    expect(ASSIGNMENT_VERSION).toBe(3);
    expect(encodeAssignment(assignment)).toEqual(buf(i16(3), ...body));
  });

  it.each([0, 1, 2, 3])('writes v%i with the same fields', (version) => {
    expect(encodeAssignment(assignment, version)).toEqual(buf(i16(version), ...body));
  });

  it('writes null user data and an empty assignment', () => {
    expect(encodeAssignment({ partitions: [] })).toEqual(buf(i16(3), i32(0), bytes(null)));
  });

  it.each([0, 1, 3])('reads v%i', (version) => {
    expect(decodeAssignment(buf(i16(version), ...body))).toEqual({
      version,
      partitions: tps('t1p2', 't1p0', 't0p1'),
      userData: Buffer.from([1, 2, 3]),
    });
  });

  it('reads a newer version by the fields it knows', () => {
    expect(decodeAssignment(buf(i16(4), ...body, i32(99), str('future')))).toEqual({
      version: 4,
      partitions: tps('t1p2', 't1p0', 't0p1'),
      userData: Buffer.from([1, 2, 3]),
    });
  });

  it('reads zero-length bytes as an empty assignment (a member the leader left out)', () => {
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ version: null, partitions: [], userData: null });
  });

  it('reads null user data', () => {
    expect(decodeAssignment(buf(i16(0), i32(0), bytes(null)))).toEqual({ version: 0, partitions: [], userData: null });
  });

  it('fails typed on truncated bytes', () => {
    expect(() => decodeAssignment(Buffer.from([0]))).toThrow(KafkaProtocolError);
    expect(() => decodeAssignment(buf(i16(0), i32(1), str('t0')))).toThrow(KafkaProtocolError);
  });

  it('matches KafkaJS at v0, both ways', () => {
    const kafkajs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { t0: [0, 2], t1: [1] }, userData: Buffer.from([9]) });
    expect(encodeAssignment({ partitions: tps('t0p0', 't0p2', 't1p1'), userData: Buffer.from([9]) }, 0)).toEqual(kafkajs);
    expect(AssignerProtocol.MemberAssignment.decode(encodeAssignment(assignment))).toEqual({
      version: 3,
      assignment: { t1: [2, 0], t0: [1] },
      userData: Buffer.from([1, 2, 3]),
    });
  });
});
