/**
 * The default answer to "is this error worth retrying?", shared by retryBackoff and anyone
 * building a custom predicate on top of it.
 *
 * KafkaError carries `retriable`; other errors may opt in by carrying `retriable: true`
 * (duck-typed, so errors from other libraries or from tests can take part). Anything else
 * is treated as permanent: retrying an unknown failure by default hides bugs.
 */
export function isRetriableError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retriable?: unknown }).retriable === true
  );
}
