/** What both seeded random-fault runs share: their shape and the outcome bound they check. */
export const FAULT_RUN = {
  partitions: 12,
  keys: 1000,
} as const;

/** The documented bound past deliveryTimeoutMs: an idempotent batch in flight waits for its request's timeout. */
export const inFlightBoundMs = (requestTimeoutMs: number): number => requestTimeoutMs + 5000;
