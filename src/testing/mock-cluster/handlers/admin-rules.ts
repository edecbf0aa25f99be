import type { RequestContext } from '../handler.js';

/** Kafka's topic name rule: 1..249 of [a-zA-Z0-9._-], and not "." or "..". */
export function topicNameProblem(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return `Topic name "${name}" is illegal`;
  if (name.length > 249) return `Topic name is longer than 249 characters`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `Topic name "${name}" contains characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

/**
 * Whether a topic-changing request (CreateTopics, DeleteTopics, CreatePartitions) reached a
 * broker that is not the controller. ZooKeeper-mode Kafka (through 3.x) answers NOT_CONTROLLER
 * there at every version of these APIs; KRaft brokers forward instead. Clients (KafkaJS, the
 * Java admin client, librdkafka) send them to Metadata's controllerId and retry on
 * NOT_CONTROLLER, so the stricter behaviour is the one worth modelling: it checks that routing.
 */
export function notController(ctx: RequestContext): boolean {
  return ctx.broker.id !== ctx.cluster.controllerId;
}

/** Names that occur more than once (Kafka rejects each of them with INVALID_REQUEST). */
export function duplicates(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of names) (seen.has(n) ? twice : seen).add(n);
  return twice;
}

/** A proposed replica list: non-empty, known brokers, no repeats. */
export function replicaProblem(brokerIds: readonly number[], known: ReadonlySet<number>): string | null {
  if (brokerIds.length === 0) return 'a partition needs at least one replica';
  if (new Set(brokerIds).size !== brokerIds.length) return `duplicate brokers in replica list ${brokerIds.join(',')}`;
  const unknown = brokerIds.find((id) => !known.has(id));
  return unknown === undefined ? null : `unknown broker ${unknown} in replica list`;
}
