/**
 * Interop test harness: run rxkafka against independent Kafka implementations
 * (librdkafka's mock cluster, the kcat CLI) on loopback.
 */
import { describe } from 'vitest';
import { hasKcat, hasLibrdkafka } from './availability.js';

export { hasKcat, hasLibrdkafka } from './availability.js';
export { startRdkafkaMock } from './rdkafka-mock.js';
export type { RdkafkaMock, RdkafkaMockOptions, RdkafkaMockTopic } from './rdkafka-mock.js';
export { kcatConsume, kcatMetadata, kcatProduce, parseKcatRecords } from './kcat.js';
export type { KcatCodec, KcatConsumeOptions, KcatMessage, KcatMetadata, KcatProduceOptions, KcatRecord } from './kcat.js';

export type InteropNeed = 'librdkafka' | 'kcat';

const checks: Record<InteropNeed, { readonly available: () => boolean; readonly package: string }> = {
  librdkafka: { available: hasLibrdkafka, package: 'librdkafka-dev' },
  kcat: { available: hasKcat, package: 'kcat' },
};

const reported = new Set<string>();

/**
 * A describe block that needs external tools. Without them it is skipped, not
 * failed, and says so once on stderr, so a machine without the packages still
 * runs the rest of the suite.
 */
export function describeInterop(name: string, needs: readonly InteropNeed[], fn: () => void): void {
  const missing = needs.filter((need) => !checks[need].available()).map((need) => checks[need].package);
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  if (!reported.has(name)) {
    reported.add(name);
    process.stderr.write(`interop tests skipped: ${name}: ${missing.join(' and ')} not installed; .ci/run installs them\n`);
  }
  describe.skip(name, fn);
}
