import { Buffer } from 'node:buffer';
import { Observable } from 'rxjs';
import { KafkaConnectionError, type Transport, type TransportSocket } from '../network/index.js';

/** The server's side of one in-memory connection. */
export interface MemoryServerSocket {
  write(data: Uint8Array): void;
  onData(listener: (chunk: Buffer) => void): void;
  onClose(listener: () => void): void;
  /** Closes both sides; the client sees its connection closed by the peer. */
  destroy(): void;
}

/**
 * One end of a pipe. Bytes written reach the other end in a microtask, in order: not at once
 * (a write never re-enters the writer, as with a socket) and not on any clock, so a pipe
 * works the same under real and virtual time.
 */
class PipeEnd {
  peer!: PipeEnd;
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  private readonly closeListeners: Array<(error?: Error) => void> = [];
  closed = false;

  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    // a copy: the writer may reuse its buffer once write() returns, as with a socket
    const chunk = Buffer.from(data);
    queueMicrotask(() => {
      if (!this.peer.closed) for (const l of this.peer.dataListeners) l(chunk);
    });
    return true;
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  /** Closes this end now and the peer after the bytes already on their way. */
  close(): void {
    if (this.closed) return;
    this.end();
    queueMicrotask(() => this.peer.end());
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners.splice(0)) l();
  }
}

/**
 * A network inside the process: listeners by "host:port", and a Transport that connects to
 * them through in-memory pipes. No sockets, no ports, no timers: a client and a MockCluster on
 * one of these run entirely on their schedulers, in virtual time when those are virtual.
 */
export class MemoryNetwork {
  private readonly listeners = new Map<string, (socket: MemoryServerSocket) => void>();

  /** Accepts connections to `host:port` from now on. */
  listen(host: string, port: number, accept: (socket: MemoryServerSocket) => void): void {
    this.listeners.set(`${host}:${port}`, accept);
  }

  unlisten(host: string, port: number): void {
    this.listeners.delete(`${host}:${port}`);
  }

  /** Connects to a listener; refused with ECONNREFUSED where there is none. TLS is not modelled. */
  readonly transport: Transport = (target) =>
    new Observable<TransportSocket>((subscriber) => {
      const accept = this.listeners.get(`${target.host}:${target.port}`);
      if (accept === undefined) {
        // refused as a TCP connect to a port nobody listens on is
        const address = `${target.host}:${target.port}`;
        subscriber.error(new KafkaConnectionError(address, `connect ECONNREFUSED ${address} (memory network)`));
        return undefined;
      }
      const client = new PipeEnd();
      const server = new PipeEnd();
      client.peer = server;
      server.peer = client;
      accept({
        write: (data) => void server.write(data),
        onData: (l) => server.onData(l),
        onClose: (l) => server.onClose(() => l()),
        destroy: () => server.close(),
      });
      subscriber.next({
        write: (data, done) => {
          const written = client.write(data);
          queueMicrotask(() => done(written ? null : new KafkaConnectionError(`${target.host}:${target.port}`, 'write after close')));
        },
        onData: (l) => client.onData(l),
        onClose: (l) => client.onClose(l),
        close: () => client.close(),
      });
      return () => client.close();
    });
}
