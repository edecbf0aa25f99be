import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { KafkaConfigError } from '../../../src/index.js';
import { FindCoordinator, Metadata } from '../../../src/protocol/messages/index.js';
import { CoordinatorType } from '../../../src/protocol/enums.js';
import { handlers } from '../../../src/testing/mock-cluster/handlers/index.js';
import { MockCluster } from '../../../src/testing/index.js';
import { testScope } from '../../support/test-scope.js';

const scope = testScope();

describe('MockCluster API versions', () => {
  it('declares, for each handler, versions the codecs can carry', () => {
    for (const h of handlers) {
      expect(h.versions.min, h.api.name).toBeGreaterThanOrEqual(h.api.minVersion);
      expect(h.versions.max, h.api.name).toBeLessThanOrEqual(h.api.maxVersion);
      expect(h.versions.min, h.api.name).toBeLessThanOrEqual(h.versions.max);
    }
  });

  it('advertises on ApiVersions exactly what the handlers declare, not what the codecs could encode', async () => {
    const cluster = await scope.cluster();
    const conn = await scope.open(cluster.bootstrap[0]);
    const advertised = [...conn.apiVersions].map(([apiKey, v]) => ({ apiKey, min: v.min, max: v.max })).sort((a, b) => a.apiKey - b.apiKey);
    const declared = handlers.map((h) => ({ apiKey: h.api.apiKey, min: h.versions.min, max: h.versions.max })).sort((a, b) => a.apiKey - b.apiKey);
    expect(advertised).toEqual(declared);
  });

  it('serves an older broker: capped versions are advertised, and a request above them answered UNSUPPORTED_VERSION', async () => {
    const cluster = await scope.cluster({ maxVersions: { FindCoordinator: 3 } });
    const conn = await scope.open(cluster.bootstrap[0]);
    expect(conn.apiVersions.get(FindCoordinator.apiKey)).toMatchObject({ min: 0, max: 3 });
    const old = await firstValueFrom(conn.request(FindCoordinator, { key: 'g', keyType: CoordinatorType.GROUP }, { version: 3 }));
    expect(old.errorCode).toBe(0);
    const above = await firstValueFrom(conn.request(FindCoordinator, { keyType: CoordinatorType.GROUP, coordinatorKeys: ['g'] }, { version: 4 }));
    expect(above.coordinators.map((c) => c.errorCode)).toEqual([35]); // UNSUPPORTED_VERSION, the connection kept
    expect((await firstValueFrom(conn.request(Metadata, { topics: [] }))).brokers).toHaveLength(1);
  });

  it('rejects a cap on an API it does not serve, or below what the handler implements', async () => {
    await expect(MockCluster.start({ maxVersions: { DescribeAcls: 1 } })).rejects.toThrow(KafkaConfigError);
    await expect(MockCluster.start({ maxVersions: { Fetch: -1 } })).rejects.toThrow(/maxVersions\.Fetch/);
  });
});

describe('MockCluster state', () => {
  it('owns its group and transaction coordinators: two clusters in one process share neither', async () => {
    const [a, b] = [await scope.cluster(), await scope.cluster()];
    expect(a.state.groups).not.toBe(b.state.groups);
    expect(a.state.transactions).not.toBe(b.state.transactions);
    expect(a.state.groups.allGroups()).toEqual([]);
  });
});
