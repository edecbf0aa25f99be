import { TOPIC_CONFIG_DEFAULTS } from '../state.js';

/** DescribeConfigs' ConfigType values. */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

interface TopicConfigDef {
  readonly type: number;
  /** Values a STRING config may take; any when absent. */
  readonly allowed?: readonly string[];
  readonly doc?: string;
}

const { BOOLEAN, STRING, INT, LONG, DOUBLE, LIST } = ConfigType;
const CLEANUP = ['delete', 'compact'];

/** Topic-level config names Kafka knows, with their types (unknown names are INVALID_CONFIG). */
const TOPIC_CONFIGS: ReadonlyMap<string, TopicConfigDef> = new Map<string, TopicConfigDef>([
  ['cleanup.policy', { type: LIST, allowed: CLEANUP, doc: 'How old log segments are retired: delete, compact, or both.' }],
  ['compression.type', { type: STRING, allowed: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'], doc: 'Codec the broker stores batches in; producer keeps what the producer sent.' }],
  ['compression.gzip.level', { type: INT }],
  ['compression.lz4.level', { type: INT }],
  ['compression.zstd.level', { type: INT }],
  ['delete.retention.ms', { type: LONG }],
  ['file.delete.delay.ms', { type: LONG }],
  ['flush.messages', { type: LONG }],
  ['flush.ms', { type: LONG }],
  ['follower.replication.throttled.replicas', { type: LIST }],
  ['index.interval.bytes', { type: INT }],
  ['leader.replication.throttled.replicas', { type: LIST }],
  ['local.retention.bytes', { type: LONG }],
  ['local.retention.ms', { type: LONG }],
  ['max.compaction.lag.ms', { type: LONG }],
  ['max.message.bytes', { type: INT, doc: 'Largest record batch the topic accepts, in bytes.' }],
  ['message.downconversion.enable', { type: BOOLEAN }],
  ['message.format.version', { type: STRING }],
  ['message.timestamp.after.max.ms', { type: LONG }],
  ['message.timestamp.before.max.ms', { type: LONG }],
  ['message.timestamp.difference.max.ms', { type: LONG }],
  ['message.timestamp.type', { type: STRING, allowed: ['CreateTime', 'LogAppendTime'], doc: 'Whether record timestamps are the producer\'s or the broker\'s append time.' }],
  ['min.cleanable.dirty.ratio', { type: DOUBLE }],
  ['min.compaction.lag.ms', { type: LONG }],
  ['min.insync.replicas', { type: INT, doc: 'In-sync replicas an acks=all write needs.' }],
  ['preallocate', { type: BOOLEAN }],
  ['remote.storage.enable', { type: BOOLEAN }],
  ['retention.bytes', { type: LONG, doc: 'Bytes a partition keeps before deleting old segments; -1 for no limit.' }],
  ['retention.ms', { type: LONG, doc: 'Time records are kept before deletion; -1 for no limit.' }],
  ['segment.bytes', { type: INT, doc: 'Size of one log segment file.' }],
  ['segment.index.bytes', { type: INT }],
  ['segment.jitter.ms', { type: LONG }],
  ['segment.ms', { type: LONG }],
  ['unclean.leader.election.enable', { type: BOOLEAN }],
]);

export function topicConfigType(name: string): number {
  return TOPIC_CONFIGS.get(name)?.type ?? STRING;
}

export function topicConfigDoc(name: string): string | null {
  return TOPIC_CONFIGS.get(name)?.doc ?? null;
}

export function isListConfig(name: string): boolean {
  return TOPIC_CONFIGS.get(name)?.type === LIST;
}

/** Why a topic config value is rejected (INVALID_CONFIG), or null when it is acceptable. */
export function topicConfigProblem(name: string, value: string | null): string | null {
  const def = TOPIC_CONFIGS.get(name);
  if (def === undefined) return `Unknown topic config name: ${name}`;
  if (value === null) return `Null value not supported for topic config ${name}`;
  const bad = `Invalid value ${value} for configuration ${name}`;
  switch (def.type) {
    case INT:
    case LONG:
      return /^-?\d+$/.test(value.trim()) ? null : `${bad}: not a number`;
    case DOUBLE:
      return Number.isFinite(Number(value)) && value.trim() !== '' ? null : `${bad}: not a number`;
    case BOOLEAN:
      return /^(true|false)$/i.test(value.trim()) ? null : `${bad}: not a boolean`;
    case LIST: {
      if (def.allowed === undefined) return null;
      const items = splitList(value);
      const wrong = items.find((v) => !def.allowed?.includes(v));
      return wrong === undefined && items.length > 0 ? null : `${bad}: expected a list of ${def.allowed.join(', ')}`;
    }
    default:
      return def.allowed === undefined || def.allowed.includes(value) ? null : `${bad}: expected one of ${def.allowed.join(', ')}`;
  }
}

export function splitList(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

/** A topic's effective configs: defaults overlaid with its own, sorted by name. */
export function effectiveTopicConfigs(own: ReadonlyMap<string, string>): Array<{ name: string; value: string; isDefault: boolean }> {
  const out = new Map<string, { name: string; value: string; isDefault: boolean }>();
  for (const [name, value] of TOPIC_CONFIG_DEFAULTS) out.set(name, { name, value, isDefault: true });
  for (const [name, value] of own) out.set(name, { name, value, isDefault: false });
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}
