import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockCluster } from '../../src/testing/index.js';

/** Runs child.ts to its natural end; resolves with its exit code and the JSON lines it printed. */
function runChild(address: string, scenario: string): Promise<{ code: number | null; lines: Array<Record<string, unknown>>; stderr: string }> {
  return new Promise((resolve, reject) => {
    // the child's own watchdog ends it after 1 s; this bound only keeps a broken run from hanging the suite
    const child = spawn(process.execPath, ['--import', 'tsx', 'spec/shutdown/child.ts', address, scenario], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, lines, stderr });
    });
  });
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * After `client.close()` (the producer is never closed by hand) nothing of ours keeps the
 * process alive: the child exits by itself, before its 1 s watchdog, which would report what
 * is still open.
 */
describe('closing the client only', () => {
  let cluster: MockCluster;
  beforeAll(async () => {
    cluster = await MockCluster.start({ brokers: 1 });
    await cluster.createTopic('small', { partitions: 1, configs: { 'max.message.bytes': '200' } });
  });
  afterAll(() => cluster.stop());

  it('after a delivered record and one refused as too large, the process exits by itself', async () => {
    const run = await runChild(cluster.bootstrap[0], 'too-large');
    expect(run.lines, run.stderr).toEqual([{ small: 'delivered', large: 'KafkaBrokerError', producerAfterClose: 'ClientClosedError', holding: [] }]);
    expect(run.code).toBe(0);
  });

  it('after a consumer group member read a record (heartbeats, auto-commits, a long poll under way), the process exits by itself', async () => {
    const run = await runChild(cluster.bootstrap[0], 'consume');
    expect(run.lines, run.stderr).toEqual([{ consumed: expect.any(String), producerAfterClose: 'ClientClosedError', holding: [] }]);
    expect(run.code).toBe(0);
  });

  it('flushes a record still lingering, then the process exits by itself', async () => {
    const run = await runChild(cluster.bootstrap[0], 'pending');
    expect(run.lines, run.stderr).toEqual([{ pending: 'delivered', producerAfterClose: 'ClientClosedError', holding: [] }]);
    expect(run.code).toBe(0);
  });

  it('after a broker reset every connection (the socket error path, retries, an open circuit), the process exits by itself', async () => {
    // reads the first bytes of each connection, then resets it
    const resetting = createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    await new Promise<void>((r) => resetting.listen(0, '127.0.0.1', r));
    try {
      const { port } = resetting.address() as { port: number };
      const run = await runChild(`127.0.0.1:${port}`, 'reset');
      expect(run.lines, run.stderr).toEqual([
        { metadata: 'AllBrokersUnavailableError', send: expect.any(String), producerAfterClose: 'ClientClosedError', holding: [] },
      ]);
      expect(run.code).toBe(0);
    } finally {
      await new Promise<void>((r) => resetting.close(() => r()));
    }
  });

  it('with nothing listening, after the requests failed, the process exits by itself', async () => {
    const run = await runChild(`127.0.0.1:${await closedPort()}`, 'unreachable');
    expect(run.lines, run.stderr).toEqual([
      { metadata: 'AllBrokersUnavailableError', send: expect.any(String), producerAfterClose: 'ClientClosedError', holding: [] },
    ]);
    expect(run.code).toBe(0);
  });
});
