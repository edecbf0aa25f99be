/**
 * Sticky partitioning for keyless records (KIP-480): rather than spreading keyless records
 * one by one, which makes many small batches, all of a topic's keyless records go to one
 * partition until the batch being filled there is closed; then another partition is chosen.
 * Batches fill up, so fewer and larger requests go out at the same linger.
 */

interface TopicState {
  partition: number;
  /** The available list `partition` was last checked against (by identity), to skip re-checks. */
  checkedAgainst: readonly number[] | undefined;
}

export interface StickyPartitionerOptions {
  /** Uniform in [0, 1); injectable so tests are deterministic. Default `Math.random`. */
  random?: () => number;
}

export class StickyPartitioner {
  private readonly random: () => number;
  private readonly topics = new Map<string, TopicState>();

  constructor(options: StickyPartitionerOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  /**
   * The topic's current sticky partition, choosing one if there is none yet or if the current
   * one no longer fits (beyond `partitionCount`, or no longer among `availablePartitions`).
   * `availablePartitions` lists the partitions that have a leader; when it is absent or empty,
   * every partition in [0, partitionCount) is a candidate. Callers that keep passing the same
   * array (a metadata snapshot) pay for the membership check only once per snapshot.
   */
  partition(topic: string, partitionCount: number, availablePartitions?: readonly number[]): number {
    const state = this.topics.get(topic);
    if (state !== undefined && this.stillValid(state, partitionCount, availablePartitions)) {
      return state.partition;
    }
    return this.choose(topic, state?.partition, partitionCount, availablePartitions);
  }

  /**
   * Called when the batch for `previous` on `topic` is closed: moves the topic to a different
   * partition (when there is more than one candidate) and returns it. A call for a partition
   * that is no longer the topic's sticky one is stale (another batch already moved it) and
   * changes nothing, so two closings in a row do not skip a partition.
   */
  onNewBatch(topic: string, previous: number, partitionCount: number, availablePartitions?: readonly number[]): number {
    const state = this.topics.get(topic);
    if (state !== undefined && state.partition !== previous) {
      return this.partition(topic, partitionCount, availablePartitions);
    }
    return this.choose(topic, previous, partitionCount, availablePartitions);
  }

  private stillValid(state: TopicState, partitionCount: number, available: readonly number[] | undefined): boolean {
    if (state.partition >= partitionCount) return false;
    if (available === undefined || available.length === 0 || available === state.checkedAgainst) return true;
    if (!available.includes(state.partition)) return false;
    state.checkedAgainst = available;
    return true;
  }

  /** Picks uniformly among the candidates other than `avoid` (if `avoid` is one of them). */
  private choose(
    topic: string,
    avoid: number | undefined,
    partitionCount: number,
    available: readonly number[] | undefined,
  ): number {
    const useAvailable = available !== undefined && available.length > 0;
    const size = useAvailable ? available.length : partitionCount;
    const at = (index: number): number => (useAvailable ? available[index] : index);

    let avoidIndex = -1;
    if (avoid !== undefined && size > 1) {
      avoidIndex = useAvailable ? available.indexOf(avoid) : avoid < partitionCount ? avoid : -1;
    }
    // Drawing among size - 1 slots and stepping over the avoided one gives a different
    // partition in one draw, even from a random source that keeps returning the same value.
    const slots = avoidIndex >= 0 ? size - 1 : size;
    let index = this.draw(slots);
    if (avoidIndex >= 0 && index >= avoidIndex) index += 1;

    const partition = at(index);
    this.topics.set(topic, { partition, checkedAgainst: useAvailable ? available : undefined });
    return partition;
  }

  private draw(slots: number): number {
    const index = Math.floor(this.random() * slots);
    // Clamp a random source that strays outside [0, 1) (or returns NaN) to a valid slot.
    if (!(index >= 0)) return 0;
    return index >= slots ? slots - 1 : index;
  }
}
