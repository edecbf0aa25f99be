/**
 * The moves the general sticky algorithm has made in one assignment (Java's
 * AbstractStickyAssignor.PartitionMovements). When a partition of a topic is about to move from
 * member A to B and an earlier move took some partition of that topic from B to A, that earlier
 * partition goes back instead, so no topic's partitions swap between two members.
 */
import { partitionKey, type TopicPartition } from '../../topic-partition.js';
import { bucketIndex, hashMapCapacity, topicPartitionHashCode } from './java-order.js';

interface Move {
  readonly from: string;
  readonly to: string;
}

export class PartitionMovements {
  private readonly moves = new Map<string, Move>();
  /** topic -> "from\0to" -> the partitions of that topic moved that way. */
  private readonly byTopic = new Map<string, Map<string, MovedSet>>();

  /** The partition to move instead of `partition` when it is to go from `from` to `to`. */
  partitionToMove(partition: TopicPartition, from: string, to: string): TopicPartition {
    const topicMoves = this.byTopic.get(partition.topic);
    if (topicMoves === undefined) return partition;
    const origin = this.moves.get(partitionKey(partition.topic, partition.partition))?.from ?? from;
    return topicMoves.get(pairKey(to, origin))?.first() ?? partition;
  }

  /** Records that `partition` moved; a move back to where it started cancels out. */
  move(partition: TopicPartition, from: string, to: string): void {
    const earlier = this.moves.get(partitionKey(partition.topic, partition.partition));
    if (earlier === undefined) {
      this.add(partition, { from, to });
      return;
    }
    this.remove(partition, earlier);
    if (earlier.from !== to) this.add(partition, { from: earlier.from, to });
  }

  private add(partition: TopicPartition, move: Move): void {
    this.moves.set(partitionKey(partition.topic, partition.partition), move);
    let topicMoves = this.byTopic.get(partition.topic);
    if (topicMoves === undefined) {
      topicMoves = new Map<string, MovedSet>();
      this.byTopic.set(partition.topic, topicMoves);
    }
    const key = pairKey(move.from, move.to);
    let set = topicMoves.get(key);
    if (set === undefined) {
      set = new MovedSet();
      topicMoves.set(key, set);
    }
    set.add(partition);
  }

  private remove(partition: TopicPartition, move: Move): void {
    this.moves.delete(partitionKey(partition.topic, partition.partition));
    const topicMoves = this.byTopic.get(partition.topic);
    const key = pairKey(move.from, move.to);
    const set = topicMoves?.get(key);
    set?.delete(partition);
    if (set?.size === 0) topicMoves?.delete(key);
    if (topicMoves?.size === 0) this.byTopic.delete(partition.topic);
  }
}

const pairKey = (from: string, to: string): string => `${from}\u0000${to}`;

/**
 * A set of partitions whose `first()` is the element a java.util.HashSet<TopicPartition>
 * iterates first: lowest bucket, then earliest added; which partition Java moves back is that one.
 */
class MovedSet {
  private readonly entries = new Map<string, { readonly partition: TopicPartition; readonly order: number; readonly hash: number }>();
  private added = 0;
  private capacity = hashMapCapacity(0);

  get size(): number {
    return this.entries.size;
  }

  add(partition: TopicPartition): void {
    const key = partitionKey(partition.topic, partition.partition);
    if (this.entries.has(key)) return;
    this.entries.set(key, { partition, order: this.added++, hash: topicPartitionHashCode(partition.topic, partition.partition) });
    this.capacity = Math.max(this.capacity, hashMapCapacity(this.entries.size));
  }

  delete(partition: TopicPartition): void {
    this.entries.delete(partitionKey(partition.topic, partition.partition));
  }

  first(): TopicPartition | undefined {
    let best: { partition: TopicPartition; order: number; bucket: number } | undefined;
    for (const { partition, order, hash } of this.entries.values()) {
      const bucket = bucketIndex(hash, this.capacity);
      if (best === undefined || bucket < best.bucket || (bucket === best.bucket && order < best.order)) {
        best = { partition, order, bucket };
      }
    }
    return best?.partition;
  }
}
