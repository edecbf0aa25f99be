/** What both seeded random-fault runs share: their shape and the outcome bound they check. */
export const FAULT_RUN = {
  partitions: 12,
  keys: 1000,
} as const;

/** The documented bound past deliveryTimeoutMs: an idempotent batch in flight waits for its request's timeout. */
export const inFlightBoundMs = (requestTimeoutMs: number): number => requestTimeoutMs + 5000;

/** A partition's log as read back: each record's key and its number (the value). */
export type ReadBack = ReadonlyArray<{ readonly key: string; readonly n: number }>;

/** What the logs hold against what was acknowledged: records read, lost, stored twice, out of order per key. */
export function tally(logs: readonly ReadBack[], acknowledged: Iterable<number>) {
  const seen = new Map<number, number>();
  let orderViolations = 0;
  for (const log of logs) {
    const lastByKey = new Map<string, number>();
    for (const { key, n } of log) {
      seen.set(n, (seen.get(n) ?? 0) + 1);
      const last = lastByKey.get(key);
      if (last !== undefined && n < last) orderViolations++;
      lastByKey.set(key, n);
    }
  }
  let lost = 0;
  for (const n of acknowledged) if (!seen.has(n)) lost++;
  const counts = [...seen.values()];
  return {
    readBack: counts.reduce((a, b) => a + b, 0),
    lost,
    duplicates: counts.reduce((a, b) => a + b - 1, 0),
    orderViolations,
  };
}
