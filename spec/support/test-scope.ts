import type { Subscription } from 'rxjs';
import { afterEach } from 'vitest';
import { connect, type Connection } from '../../src/network/index.js';
import { MockCluster, type MockClusterOptions } from '../../src/testing/index.js';

/**
 * What a test starts, undone after it in reverse order: clusters stopped, connections closed,
 * anything else handed to `defer`. Call once at the top of a spec file.
 */
export function testScope() {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const defer = (cleanup: () => Promise<void> | void): void => {
    cleanups.push(cleanup);
  };
  return {
    defer,
    /** A MockCluster stopped after the test. */
    cluster: async (options: MockClusterOptions = {}): Promise<MockCluster> => {
      const cluster = await MockCluster.start(options);
      defer(() => cluster.stop());
      return cluster;
    },
    /** A connection to "host:port", held open until the test ends. */
    open: (address: string): Promise<Connection> => {
      const at = address.lastIndexOf(':');
      return new Promise((resolve, reject) => {
        const sub: Subscription = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) }).subscribe({
          next: resolve,
          error: reject,
        });
        defer(() => sub.unsubscribe());
      });
    },
  };
}
