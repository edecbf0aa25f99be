/**
 * The orders the Java client's assignors depend on. Its assignors sort members and topics with
 * Java's String order, and where they iterate a HashMap or HashSet the result depends on Java's
 * hash order; reproducing both makes a group led by rxkafka get the assignment a Java leader
 * would have computed.
 */

/** Java's String.compareTo: by UTF-16 code unit, which is what JavaScript's < compares. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface MemberIdentity {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

/**
 * AbstractPartitionAssignor.MemberInfo's order (range, roundrobin): static members (with a group
 * instance id) first, by instance id, so their assignment survives restarts that change member
 * ids; then dynamic members by member id.
 */
export function compareMemberInfo(a: MemberIdentity, b: MemberIdentity): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** Java's String.hashCode (over UTF-16 code units, int32 overflow). */
export function stringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's TopicPartition.hashCode: 31 * (31 + partition) + topic.hashCode(). */
export const topicPartitionHashCode = (topic: string, partition: number): number =>
  (Math.imul(31, (31 + partition) | 0) + stringHashCode(topic)) | 0;

/**
 * The table size of a default-constructed java.util.HashMap (or HashSet) that has held at most
 * `maxSize` entries: 16, doubled whenever the size passes 3/4 of it, never shrunk.
 */
export function hashMapCapacity(maxSize: number): number {
  let capacity = 16;
  while (maxSize > capacity * 0.75) capacity *= 2;
  return capacity;
}

/** The bucket HashMap puts a key in: its hashCode's high half folded into the low, masked. */
export const bucketIndex = (hashCode: number, capacity: number): number => (hashCode ^ (hashCode >>> 16)) & (capacity - 1);

/**
 * The iteration order of a `new HashMap<>()` after `put`s in the order of `items`: bucket by
 * bucket, and within a bucket in insertion order (resizes split buckets without reordering).
 * Not modelled: a bucket reaching 9 entries, which makes Java resize early or build a tree
 * bin; with a few dozen random member ids that does not happen.
 */
export function hashMapOrder<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const capacity = hashMapCapacity(items.length);
  return items
    .map((item, index) => ({ item, index, bucket: bucketIndex(stringHashCode(keyOf(item)), capacity) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map(({ item }) => item);
}
