/** Kafka-agnostic RxJS operators: the `rxkafka/operators` subpath export. */
export { isRetriableError } from './retriable.js';
export {
  backoffDelay,
  retryBackoff,
  type BackoffOptions,
  type RetryBackoffOptions,
  type RetryInfo,
} from './retry-backoff.js';
export {
  CircuitOpenError,
  circuitBreaker,
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker.js';
export { batch, type BatchOptions } from './batch.js';
export {
  OperationTimeoutError,
  requestTimeout,
  type RequestTimeoutOptions,
} from './request-timeout.js';
