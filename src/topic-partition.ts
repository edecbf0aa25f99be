/** A partition of a topic: what assignments, pauses, seeks and commits name. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** One key per partition, for maps and sets. */
export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Partitions grouped by topic, topics in order of first appearance, each list in input order. */
export function byTopic<T extends TopicPartition>(parts: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const p of parts) {
    const list = out.get(p.topic);
    if (list) list.push(p);
    else out.set(p.topic, [p]);
  }
  return out;
}
