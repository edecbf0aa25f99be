/** A committed consumer offset, as OffsetCommit stores and OffsetFetch returns it. */
export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  commitTime: number;
}

/** Committed offsets per group, per "topic:partition". Shared by groups and transactions. */
export class OffsetStore {
  private readonly groups = new Map<string, Map<string, CommittedOffset>>();

  commit(group: string, topic: string, partition: number, value: CommittedOffset): void {
    let offsets = this.groups.get(group);
    if (offsets === undefined) {
      offsets = new Map();
      this.groups.set(group, offsets);
    }
    offsets.set(`${topic}:${partition}`, value);
  }

  fetch(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(`${topic}:${partition}`);
  }

  /** Every committed offset of a group, as [topic, partition, offset]. */
  all(group: string): Array<[string, number, CommittedOffset]> {
    const out: Array<[string, number, CommittedOffset]> = [];
    for (const [key, value] of this.groups.get(group) ?? []) {
      const at = key.lastIndexOf(':');
      out.push([key.slice(0, at), Number(key.slice(at + 1)), value]);
    }
    return out;
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  deleteGroup(group: string): void {
    this.groups.delete(group);
  }

  /** Forgets a deleted topic's offsets in every group. */
  deleteTopic(topic: string): void {
    for (const offsets of this.groups.values()) {
      for (const key of offsets.keys()) if (key.startsWith(`${topic}:`)) offsets.delete(key);
    }
  }
}
