import { KafkaConfigError } from '../errors.js';

export interface BrokerAddress {
  host: string;
  port: number;
}

/** Parses "host:port" or "[v6]:port"; `field` names the config entry in the error. */
export function parseBrokerAddress(text: string, field: string): BrokerAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new KafkaConfigError(field, `"${text}" is not host:port`);
  }
  return { host: m[1] ?? m[2], port };
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
