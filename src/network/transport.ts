import * as net from 'node:net';
import * as tls from 'node:tls';
import { Observable } from 'rxjs';
import { KafkaConnectionError } from './errors.js';

/** Where to connect. `tls` true uses the system CAs; an object passes Node TLS options through. */
export interface TransportTarget {
  host: string;
  port: number;
  tls?: boolean | tls.ConnectionOptions;
}

/** The byte pipe a connection runs on: a socket today, an in-memory pair in tests. */
export interface TransportSocket {
  /** `done` reports whether this exact buffer was handed to the OS whole. */
  write(data: Uint8Array, done: (error?: Error | null) => void): void;
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once when the pipe closes, with the error that closed it if any. */
  onClose(listener: (error?: Error) => void): void;
  close(): void;
}

/** A transport is cold: subscribing opens a pipe and emits it once ready, unsubscribing closes it. */
export type Transport = (target: TransportTarget) => Observable<TransportSocket>;

function wrap(socket: net.Socket): TransportSocket {
  let closeError: Error | undefined;
  socket.on('error', (e) => {
    closeError = e;
  });
  return {
    write: (data, done) => {
      socket.write(data, done);
    },
    onData: (listener) => {
      socket.on('data', listener);
    },
    onClose: (listener) => {
      socket.once('close', () => listener(closeError));
    },
    close: () => {
      socket.destroy();
    },
  };
}

export const socketTransport: Transport = (target) =>
  new Observable<TransportSocket>((subscriber) => {
    const readyEvent = target.tls ? 'secureConnect' : 'connect';
    const socket = target.tls
      ? tls.connect({
          host: target.host,
          port: target.port,
          servername: net.isIP(target.host) ? undefined : target.host,
          ...(typeof target.tls === 'object' ? target.tls : {}),
        })
      : net.connect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    const onError = (e: Error) => subscriber.error(e);
    const onEarlyClose = () => subscriber.error(new KafkaConnectionError(`${target.host}:${target.port}`, 'connection closed during connect'));
    socket.once('error', onError);
    socket.once('close', onEarlyClose);
    socket.once(readyEvent, () => {
      socket.off('error', onError);
      socket.off('close', onEarlyClose);
      subscriber.next(wrap(socket));
    });
    return () => {
      socket.destroy();
    };
  });
