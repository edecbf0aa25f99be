import { KafkaError } from '../errors.js';

/**
 * Kafka's error codes: number, name, whether retrying the same operation may succeed, and a
 * short message. Names follow Kafka's Errors enum (through code 129); a code is retriable exactly
 * when the Java client maps it to a RetriableException subclass, so both clients back off alike.
 */

export interface ErrorCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
  readonly message: string;
}

const R = true;
const N = false;

// [code, name, retriable, message]
const TABLE: ReadonlyArray<readonly [number, string, boolean, string]> = [
  [-1, 'UNKNOWN_SERVER_ERROR', N, 'Unexpected server error'],
  [0, 'NONE', N, 'No error'],
  [1, 'OFFSET_OUT_OF_RANGE', N, 'Offset outside the range the broker holds'],
  [2, 'CORRUPT_MESSAGE', R, 'Message failed its CRC check, is too large, or is otherwise corrupt'],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', R, 'This broker does not host this topic-partition'],
  [4, 'INVALID_FETCH_SIZE', N, 'Invalid fetch size'],
  [5, 'LEADER_NOT_AVAILABLE', R, 'No leader for this topic-partition (election in progress)'],
  [6, 'NOT_LEADER_OR_FOLLOWER', R, 'This broker is not the leader (or not a replica) of this partition'],
  [7, 'REQUEST_TIMED_OUT', R, 'Request timed out'],
  [8, 'BROKER_NOT_AVAILABLE', N, 'Broker not available'],
  [9, 'REPLICA_NOT_AVAILABLE', R, 'Replica not available for this topic-partition'],
  [10, 'MESSAGE_TOO_LARGE', N, 'Message larger than the broker accepts'],
  [11, 'STALE_CONTROLLER_EPOCH', N, 'Controller moved to another broker'],
  [12, 'OFFSET_METADATA_TOO_LARGE', N, 'Offset commit metadata too large'],
  [13, 'NETWORK_EXCEPTION', R, 'Server disconnected before a response was received'],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', R, 'Coordinator is still loading'],
  [15, 'COORDINATOR_NOT_AVAILABLE', R, 'Coordinator not available'],
  [16, 'NOT_COORDINATOR', R, 'This broker is not the coordinator'],
  [17, 'INVALID_TOPIC_EXCEPTION', N, 'Invalid topic'],
  [18, 'RECORD_LIST_TOO_LARGE', N, 'Record batch larger than the segment size'],
  [19, 'NOT_ENOUGH_REPLICAS', R, 'Fewer in-sync replicas than required'],
  [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', R, 'Written to fewer in-sync replicas than required'],
  [21, 'INVALID_REQUIRED_ACKS', N, 'Invalid required acks'],
  [22, 'ILLEGAL_GENERATION', N, 'Invalid group generation id'],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', N, 'Group protocols incompatible with existing members'],
  [24, 'INVALID_GROUP_ID', N, 'Invalid group id'],
  [25, 'UNKNOWN_MEMBER_ID', N, 'Coordinator does not know this member'],
  [26, 'INVALID_SESSION_TIMEOUT', N, 'Session timeout outside the broker-allowed range'],
  [27, 'REBALANCE_IN_PROGRESS', N, 'Group is rebalancing; rejoin needed'],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', N, 'Invalid offset commit size'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', N, 'Topic authorization failed'],
  [30, 'GROUP_AUTHORIZATION_FAILED', N, 'Group authorization failed'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', N, 'Cluster authorization failed'],
  [32, 'INVALID_TIMESTAMP', N, 'Timestamp out of the acceptable range'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', N, 'SASL mechanism not supported by the broker'],
  [34, 'ILLEGAL_SASL_STATE', N, 'Request not valid in the current SASL state'],
  [35, 'UNSUPPORTED_VERSION', N, 'API version not supported'],
  [36, 'TOPIC_ALREADY_EXISTS', N, 'Topic already exists'],
  [37, 'INVALID_PARTITIONS', N, 'Invalid number of partitions'],
  [38, 'INVALID_REPLICATION_FACTOR', N, 'Invalid replication factor'],
  [39, 'INVALID_REPLICA_ASSIGNMENT', N, 'Invalid replica assignment'],
  [40, 'INVALID_CONFIG', N, 'Invalid configuration'],
  [41, 'NOT_CONTROLLER', R, 'This broker is not the controller'],
  [42, 'INVALID_REQUEST', N, 'Malformed or unexpected request'],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', N, 'Not supported by the message format in use'],
  [44, 'POLICY_VIOLATION', N, 'Request violates the configured policy'],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', N, 'Out of order sequence number'],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', N, 'Duplicate sequence number'],
  [47, 'INVALID_PRODUCER_EPOCH', N, 'Producer epoch is old (fenced or timed out)'],
  [48, 'INVALID_TXN_STATE', N, 'Transactional operation in an invalid state'],
  [49, 'INVALID_PRODUCER_ID_MAPPING', N, 'Producer id not assigned to this transactional id'],
  [50, 'INVALID_TRANSACTION_TIMEOUT', N, 'Transaction timeout above the broker maximum'],
  [51, 'CONCURRENT_TRANSACTIONS', R, 'Another operation on this transaction is ongoing'],
  [52, 'TRANSACTION_COORDINATOR_FENCED', N, 'Transaction coordinator is no longer current'],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', N, 'Transactional id authorization failed'],
  [54, 'SECURITY_DISABLED', N, 'Security features are disabled'],
  [55, 'OPERATION_NOT_ATTEMPTED', N, 'Operation not attempted'],
  [56, 'KAFKA_STORAGE_ERROR', R, 'Disk error on the broker'],
  [57, 'LOG_DIR_NOT_FOUND', N, 'Log directory not found'],
  [58, 'SASL_AUTHENTICATION_FAILED', N, 'SASL authentication failed'],
  [59, 'UNKNOWN_PRODUCER_ID', N, 'Broker has no metadata for this producer id'],
  [60, 'REASSIGNMENT_IN_PROGRESS', N, 'Partition reassignment in progress'],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', N, 'Delegation tokens are disabled'],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', N, 'Delegation token not found'],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', N, 'Principal is not the token owner or renewer'],
  [64, 'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', N, 'Delegation token requests not allowed on this channel'],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', N, 'Delegation token authorization failed'],
  [66, 'DELEGATION_TOKEN_EXPIRED', N, 'Delegation token expired'],
  [67, 'INVALID_PRINCIPAL_TYPE', N, 'Principal type not supported'],
  [68, 'NON_EMPTY_GROUP', N, 'Group is not empty'],
  [69, 'GROUP_ID_NOT_FOUND', N, 'Group id not found'],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', R, 'Fetch session id not found'],
  [71, 'INVALID_FETCH_SESSION_EPOCH', R, 'Invalid fetch session epoch'],
  [72, 'LISTENER_NOT_FOUND', R, 'No matching listener on the leader'],
  [73, 'TOPIC_DELETION_DISABLED', N, 'Topic deletion is disabled'],
  [74, 'FENCED_LEADER_EPOCH', R, 'Leader epoch older than the broker\'s'],
  [75, 'UNKNOWN_LEADER_EPOCH', R, 'Leader epoch newer than the broker\'s'],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', N, 'Compression type not supported by the requester'],
  [77, 'STALE_BROKER_EPOCH', N, 'Broker epoch has changed'],
  [78, 'OFFSET_NOT_AVAILABLE', R, 'Offset not yet available after a leader change'],
  [79, 'MEMBER_ID_REQUIRED', N, 'Member id required to join'],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', R, 'Preferred leader not available'],
  [81, 'GROUP_MAX_SIZE_REACHED', N, 'Group reached its maximum size'],
  [82, 'FENCED_INSTANCE_ID', N, 'Group instance id registered by another member'],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', R, 'Eligible leaders not available'],
  [84, 'ELECTION_NOT_NEEDED', R, 'Leader election not needed'],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', N, 'No partition reassignment in progress'],
  [86, 'GROUP_SUBSCRIBED_TO_TOPIC', N, 'Group is subscribed to the topic'],
  [87, 'INVALID_RECORD', N, 'Record failed broker validation'],
  [88, 'UNSTABLE_OFFSET_COMMIT', R, 'Unstable offsets pending'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', R, 'Throttling quota exceeded'],
  [90, 'PRODUCER_FENCED', N, 'Producer fenced by a newer epoch'],
  [91, 'RESOURCE_NOT_FOUND', N, 'Resource not found'],
  [92, 'DUPLICATE_RESOURCE', N, 'Duplicate resource in the request'],
  [93, 'UNACCEPTABLE_CREDENTIAL', N, 'Credential not acceptable'],
  [94, 'INCONSISTENT_VOTER_SET', N, 'Inconsistent voter set'],
  [95, 'INVALID_UPDATE_VERSION', N, 'Invalid update version'],
  [96, 'FEATURE_UPDATE_FAILED', N, 'Feature update failed'],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', N, 'Principal could not be deserialized'],
  [98, 'SNAPSHOT_NOT_FOUND', N, 'Snapshot not found'],
  [99, 'POSITION_OUT_OF_RANGE', N, 'Position out of range'],
  [100, 'UNKNOWN_TOPIC_ID', R, 'Unknown topic id'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', N, 'Duplicate broker registration'],
  [102, 'BROKER_ID_NOT_REGISTERED', N, 'Broker id not registered'],
  [103, 'INCONSISTENT_TOPIC_ID', R, 'Topic id does not match the topic name'],
  [104, 'INCONSISTENT_CLUSTER_ID', N, 'Cluster id mismatch'],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', N, 'Transactional id not found'],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', R, 'Fetch session topic id error'],
  [107, 'INELIGIBLE_REPLICA', N, 'Replica not eligible for leadership'],
  [108, 'NEW_LEADER_ELECTED', N, 'A new leader was elected'],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', N, 'Offset moved to tiered storage'],
  [110, 'FENCED_MEMBER_EPOCH', N, 'Member epoch fenced'],
  [111, 'UNRELEASED_INSTANCE_ID', N, 'Group instance id still in use'],
  [112, 'UNSUPPORTED_ASSIGNOR', N, 'Assignor not supported'],
  [113, 'STALE_MEMBER_EPOCH', N, 'Stale member epoch'],
  [114, 'MISMATCHED_ENDPOINT_TYPE', N, 'Request sent to the wrong endpoint type'],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', N, 'Endpoint type not supported'],
  [116, 'UNKNOWN_CONTROLLER_ID', N, 'Unknown controller id'],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', N, 'Unknown telemetry subscription id'],
  [118, 'TELEMETRY_TOO_LARGE', N, 'Telemetry payload too large'],
  [119, 'INVALID_REGISTRATION', N, 'Invalid registration'],
  [120, 'TRANSACTION_ABORTABLE', N, 'Transaction must be aborted'],
  [121, 'INVALID_RECORD_STATE', N, 'Invalid record state'],
  [122, 'SHARE_SESSION_NOT_FOUND', R, 'Share session not found'],
  [123, 'INVALID_SHARE_SESSION_EPOCH', R, 'Invalid share session epoch'],
  [124, 'FENCED_STATE_EPOCH', N, 'Share state epoch fenced'],
  [125, 'INVALID_VOTER_KEY', N, 'Invalid voter key'],
  [126, 'DUPLICATE_VOTER', N, 'Duplicate voter'],
  [127, 'VOTER_NOT_FOUND', N, 'Voter not found'],
  [128, 'INVALID_REGULAR_EXPRESSION', N, 'Invalid regular expression'],
  [129, 'REBOOTSTRAP_REQUIRED', N, 'Client must rebootstrap'],
];

const BY_CODE = new Map<number, ErrorCodeInfo>(
  TABLE.map(([code, name, retriable, message]) => [code, Object.freeze({ code, name, retriable, message })]),
);

/** Every known error code, in code order. */
export const errorCodes: readonly ErrorCodeInfo[] = [...BY_CODE.values()];

/** The entry for a code; a code we do not know (from a newer broker) gets a non-retriable stand-in. */
export function errorByCode(code: number): ErrorCodeInfo {
  return BY_CODE.get(code) ?? { code, name: `UNKNOWN_ERROR_CODE_${code}`, retriable: false, message: 'Unknown error code' };
}

/** Codes by name, for the ones code branches on. */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  KAFKA_STORAGE_ERROR: 56,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  UNSTABLE_OFFSET_COMMIT: 88,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  UNKNOWN_TOPIC_ID: 100,
  INCONSISTENT_TOPIC_ID: 103,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  TRANSACTION_ABORTABLE: 120,
} as const;

/** An error code answered by a broker, as a typed error. */
export class KafkaBrokerError extends KafkaError {
  override readonly name = 'KafkaBrokerError' as const;
  /** Kafka's name for the code, e.g. NOT_LEADER_OR_FOLLOWER. */
  readonly errorName: string;

  constructor(info: ErrorCodeInfo, context?: string) {
    super(`${info.name}: ${info.message}${context === undefined ? '' : ` (${context})`}`, {
      code: info.code,
      retriable: info.retriable,
    });
    this.errorName = info.name;
  }
}

/** The typed error for a broker's error code; `context` says where it came from (topic, group...). */
export function kafkaErrorFromCode(code: number, context?: string): KafkaBrokerError {
  return new KafkaBrokerError(errorByCode(code), context);
}
