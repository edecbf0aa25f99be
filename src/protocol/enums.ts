/**
 * Small protocol enums, as Kafka 4.x numbers them on the wire. Each is an `as const` object with
 * a type of the same name for its values, e.g. `IsolationLevel.READ_COMMITTED` is `1` and
 * `IsolationLevel` (the type) is `0 | 1`.
 */

type ValueOf<T> = T[keyof T];

/** The resource a config belongs to (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs...); Kafka's `ConfigResource.Type`. */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;
export type ConfigResourceType = ValueOf<typeof ConfigResourceType>;

/** Where a config value comes from, in DescribeConfigs responses; Kafka's `DescribeConfigsResponse.ConfigSource`. */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSource = ValueOf<typeof ConfigSource>;

/** The operation on one config in an IncrementalAlterConfigs request; Kafka's `AlterConfigOp.OpType`. */
export const AlterConfigOpType = {
  SET: 0,
  DELETE: 1,
  APPEND: 2,
  SUBTRACT: 3,
} as const;
export type AlterConfigOpType = ValueOf<typeof AlterConfigOpType>;

/** The key type of a FindCoordinator request; Kafka's `FindCoordinatorRequest.CoordinatorType`. */
export const CoordinatorType = {
  GROUP: 0,
  TRANSACTION: 1,
  SHARE: 2,
} as const;
export type CoordinatorType = ValueOf<typeof CoordinatorType>;

/** Which records Fetch and ListOffsets may return; Kafka's `IsolationLevel`. */
export const IsolationLevel = {
  READ_UNCOMMITTED: 0,
  READ_COMMITTED: 1,
} as const;
export type IsolationLevel = ValueOf<typeof IsolationLevel>;

/**
 * The type in a control record's key; Kafka's `ControlRecordType`. ABORT and COMMIT are
 * transaction markers; the others are written by KRaft to its own metadata log. (Kafka's enum
 * also has UNKNOWN = -1, a stand-in for a type it does not know, never written.)
 */
export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;
export type ControlRecordType = ValueOf<typeof ControlRecordType>;
