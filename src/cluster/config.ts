import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SchedulerLike } from 'rxjs';
import { defaultScheduler } from '../clock.js';
import { KafkaConfigError } from '../errors.js';
import { REDACTED, Secret } from '../secret.js';
import { SASL_MECHANISMS, type SaslOptions, type Transport } from '../network/index.js';
import { parseBrokerAddress, type BrokerAddress } from './broker-address.js';
import { CONNECTION_PURPOSES } from './connection-purpose.js';

export interface RetryConfig {
  maxRetries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  multiplier?: number;
  /** Fraction 0..1 of each delay drawn at random, to spread clients that failed together. */
  jitter?: number;
}

export interface CircuitBreakerConfig {
  /** Consecutive connection failures that open a broker's circuit. */
  failureThreshold?: number;
  /** How long an open circuit fails fast before one probe is let through. */
  recoveryTimeoutMs?: number;
}

export interface ClientConfig {
  /** Bootstrap brokers, "host:port". */
  brokers: string[];
  clientId?: string;
  tls?: boolean | TlsOptions;
  /** SASL authentication on every connection: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  sasl?: SaslOptions;
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  retry?: RetryConfig;
  circuitBreaker?: CircuitBreakerConfig;
  /** Age after which cached metadata is fetched again. Default 300000 (as the Java client). */
  metadataMaxAgeMs?: number;
  /** Requests in flight per connection. Default 10. */
  maxInFlightPerConnection?: number;
  /**
   * Connections to one broker, by purpose: control (metadata, heartbeats, commits, coordinator
   * and admin requests), fetch, group (JoinGroup and SyncGroup, which wait for a rebalance) and
   * produce, in that order. Default 4: each its own, so a Fetch long poll never delays the
   * others. With fewer, the purposes beyond the limit share the control connection.
   */
  maxConnectionsPerBroker?: number;
  /** A connection with no request under way for this long is closed. Default 540000 (9 min, as the Java client). */
  connectionIdleTimeoutMs?: number;
  /**
   * Age at which a connection takes no new requests (a new one opens for them) and closes as
   * soon as nothing is under way on it. Default: no limit.
   */
  connectionMaxLifetimeMs?: number;
  /** Largest response frame accepted. Default 100 MiB. */
  maxFrameBytes?: number;
  scheduler?: SchedulerLike;
  /** Byte pipe to brokers; default TCP/TLS sockets. */
  transport?: Transport;
  /**
   * Uniform numbers in [0, 1) for retry jitter and, in this client's producers, the sticky
   * partition choice. Default Math.random; a seeded source makes a test replay exactly.
   */
  random?: () => number;
}

export interface ResolvedConfig {
  bootstrap: BrokerAddress[];
  clientId: string;
  /** Out of inspection's reach: the options may hold a private key and its passphrase. */
  tls: boolean | Secret<TlsOptions> | undefined;
  sasl: Secret<SaslOptions> | undefined;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  retry: Required<RetryConfig>;
  circuitBreaker: Required<CircuitBreakerConfig>;
  metadataMaxAgeMs: number;
  maxInFlightPerConnection: number;
  maxConnectionsPerBroker: number;
  connectionIdleTimeoutMs: number;
  connectionMaxLifetimeMs: number | null;
  maxFrameBytes: number;
  scheduler: SchedulerLike;
  transport: Transport | undefined;
  random: () => number;
}

type Check = (value: unknown, field: string) => void;

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (value, field) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new KafkaConfigError(field, `must be an integer from ${min} to ${max}, got ${String(value)}`);
    }
  };

const number =
  (min: number, max: number): Check =>
  (value, field) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new KafkaConfigError(field, `must be a number from ${min} to ${max}, got ${String(value)}`);
    }
  };

const string: Check = (value, field) => {
  if (typeof value !== 'string' || value === '') throw new KafkaConfigError(field, 'must be a non-empty string');
};

const tlsOption: Check = (value, field) => {
  if (typeof value !== 'boolean' && (typeof value !== 'object' || value === null)) {
    throw new KafkaConfigError(field, 'must be true, false or Node TLS options');
  }
};

const scheduler: Check = (value, field) => {
  const s = value as Partial<SchedulerLike> | null;
  if (typeof s !== 'object' || s === null || typeof s.schedule !== 'function' || typeof s.now !== 'function') {
    throw new KafkaConfigError(field, 'must be an RxJS SchedulerLike');
  }
};

const fn: Check = (value, field) => {
  if (typeof value !== 'function') throw new KafkaConfigError(field, 'must be a function');
};

const saslFields: Record<keyof SaslOptions, Check> = {
  mechanism: (value, field) => {
    if (!SASL_MECHANISMS.includes(value as SaslOptions['mechanism'])) {
      throw new KafkaConfigError(field, `must be one of ${SASL_MECHANISMS.join(', ')}`);
    }
  },
  username: string,
  // Never echo the value: it is a secret.
  password: (value, field) => {
    if (typeof value !== 'string') throw new KafkaConfigError(field, 'must be a string');
  },
};

const retryFields: Record<keyof RetryConfig, Check> = {
  maxRetries: integer(0, 1000),
  initialDelayMs: integer(0),
  maxDelayMs: integer(0),
  multiplier: number(1, 1000),
  jitter: number(0, 1),
};

const breakerFields: Record<keyof CircuitBreakerConfig, Check> = {
  failureThreshold: integer(1, 1_000_000),
  recoveryTimeoutMs: integer(0),
};

const nested =
  (fields: Record<string, Check>): Check =>
  (value, field) => {
    if (typeof value !== 'object' || value === null) throw new KafkaConfigError(field, 'must be an object');
    checkFields(value as Record<string, unknown>, fields, `${field}.`);
  };

const brokers: Check = (value, field) => {
  if (!Array.isArray(value) || value.length === 0) throw new KafkaConfigError(field, 'must be a non-empty array of "host:port"');
  value.forEach((b, i) => {
    if (typeof b !== 'string') throw new KafkaConfigError(`${field}[${i}]`, 'must be a "host:port" string');
    parseBrokerAddress(b, `${field}[${i}]`);
  });
};

const clientFields: Record<keyof ClientConfig, Check> = {
  brokers,
  clientId: string,
  tls: tlsOption,
  sasl: (value, field) => {
    nested(saslFields)(value, field);
    const sasl = value as Partial<SaslOptions>;
    for (const key of ['mechanism', 'username', 'password'] as const) {
      if (sasl[key] === undefined) throw new KafkaConfigError(`${field}.${key}`, 'is required');
    }
  },
  requestTimeoutMs: integer(1),
  connectionTimeoutMs: integer(1),
  retry: nested(retryFields),
  circuitBreaker: nested(breakerFields),
  metadataMaxAgeMs: integer(0),
  maxInFlightPerConnection: integer(1, 10_000),
  maxConnectionsPerBroker: integer(1, CONNECTION_PURPOSES.length),
  connectionIdleTimeoutMs: integer(1),
  connectionMaxLifetimeMs: integer(1),
  maxFrameBytes: integer(1024, 0x7fffffff),
  scheduler,
  transport: fn,
  random: fn,
};

function checkFields(config: Record<string, unknown>, fields: Record<string, Check>, prefix: string): void {
  for (const key of Object.keys(config)) {
    const check = fields[key];
    if (check === undefined) throw new KafkaConfigError(`${prefix}${key}`, 'unknown option');
    if (config[key] !== undefined) check(config[key], `${prefix}${key}`);
  }
}

/** TLS options as inspection shows them: the private key material redacted. */
const shownTls = (options: TlsOptions) =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [k, k === 'key' || k === 'passphrase' || k === 'pfx' ? REDACTED : v]));

/** Rejects an unknown or invalid option with the field named; fills in defaults. */
export function resolveConfig(config: ClientConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) throw new KafkaConfigError('config', 'must be an object');
  checkFields(config as unknown as Record<string, unknown>, clientFields, '');
  if (config.brokers === undefined) throw new KafkaConfigError('brokers', 'is required');
  const retry = { maxRetries: 5, initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, jitter: 0.2, ...config.retry };
  if (retry.maxDelayMs < retry.initialDelayMs) {
    throw new KafkaConfigError('retry.maxDelayMs', 'must be >= retry.initialDelayMs');
  }
  return {
    bootstrap: config.brokers.map((b, i) => parseBrokerAddress(b, `brokers[${i}]`)),
    clientId: config.clientId ?? 'rxkafka',
    tls: typeof config.tls === 'object' ? new Secret(config.tls, shownTls) : config.tls,
    sasl: config.sasl === undefined ? undefined : new Secret(config.sasl, ({ mechanism, username }) => ({ mechanism, username, password: REDACTED })),
    requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
    connectionTimeoutMs: config.connectionTimeoutMs ?? 10_000,
    retry,
    circuitBreaker: { failureThreshold: 5, recoveryTimeoutMs: 10_000, ...config.circuitBreaker },
    metadataMaxAgeMs: config.metadataMaxAgeMs ?? 300_000,
    maxInFlightPerConnection: config.maxInFlightPerConnection ?? 10,
    maxConnectionsPerBroker: config.maxConnectionsPerBroker ?? CONNECTION_PURPOSES.length,
    connectionIdleTimeoutMs: config.connectionIdleTimeoutMs ?? 540_000,
    connectionMaxLifetimeMs: config.connectionMaxLifetimeMs ?? null,
    maxFrameBytes: config.maxFrameBytes ?? 100 * 1024 * 1024,
    scheduler: config.scheduler ?? defaultScheduler,
    transport: config.transport,
    random: config.random ?? Math.random,
  };
}
