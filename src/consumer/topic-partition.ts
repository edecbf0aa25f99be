/** A partition of a topic: what assignments, pauses, seeks and commits name. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** One key per partition, for maps and sets. */
export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
