import { randomBytes } from 'node:crypto';
import { run } from './process.js';

/** Bound on one kcat invocation; the child is killed beyond it. */
const DEFAULT_TIMEOUT_MS = 30_000;

export type KcatCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KcatMessage {
  /** undefined or null: a null key. */
  readonly key?: string | Buffer | null;
  /** null: a null value (tombstone). */
  readonly value: string | Buffer | null;
  /**
   * Header names must not contain '=' or ','; values must not contain ','
   * (kcat's -H syntax and its %h output format cannot express them).
   */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface KcatProduceOptions {
  readonly brokers: string | readonly string[];
  readonly topic: string;
  /** Omitted: librdkafka's default partitioner picks (consistent_random). */
  readonly partition?: number;
  readonly messages: readonly KcatMessage[];
  readonly compression?: KcatCodec;
  /** Extra kcat arguments, e.g. ['-X', 'linger.ms=0']. */
  readonly extra?: readonly string[];
  readonly timeoutMs?: number;
}

export interface KcatConsumeOptions {
  readonly brokers: string | readonly string[];
  readonly topic: string;
  /** Omitted: all partitions, records interleaved in arrival order. */
  readonly partition?: number;
  /** Stop after this many records; fewer are returned when the log ends first. */
  readonly count: number;
  readonly offset?: 'beginning' | 'end' | number;
  readonly extra?: readonly string[];
  readonly timeoutMs?: number;
}

export interface KcatRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface KcatMetadata {
  readonly controllerid: number;
  readonly brokers: ReadonlyArray<{ readonly id: number; readonly name: string }>;
  readonly topics: ReadonlyArray<{
    readonly topic: string;
    readonly error?: string;
    readonly partitions: ReadonlyArray<{
      readonly partition: number;
      readonly leader: number;
      readonly error?: string;
      readonly replicas: ReadonlyArray<{ readonly id: number }>;
      readonly isrs: ReadonlyArray<{ readonly id: number }>;
    }>;
  }>;
}

function brokerList(brokers: string | readonly string[]): string {
  return typeof brokers === 'string' ? brokers : brokers.join(',');
}

function bytes(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** kcat's delimiter syntax: every byte as \xNN, so any byte value is expressible. */
function escapeDelimiter(delimiter: Buffer): string {
  return [...delimiter].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}

function randomDelimiter(): Buffer {
  // No NUL: kcat keeps the unescaped delimiter in a C string. No backslash: kcat unescapes the
  // delimiter twice, so "\x5c" followed by "t" would turn into a tab.
  const delimiter = randomBytes(8);
  for (let i = 0; i < delimiter.length; i++) if (delimiter[i] === 0 || delimiter[i] === 0x5c) delimiter[i] = 1;
  return delimiter;
}

interface Framed {
  readonly input: Buffer;
  readonly keyDelimiter: Buffer;
  readonly messageDelimiter: Buffer;
}

/**
 * Frames messages as kcat reads them with -K/-D, and proves the framing by
 * splitting it back the way kcat does (first occurrence wins): payload bytes
 * are arbitrary, so a delimiter is only accepted once it round-trips.
 */
function frame(messages: readonly KcatMessage[]): Framed {
  for (let attempt = 0; attempt < 8; attempt++) {
    const keyDelimiter = randomDelimiter();
    const messageDelimiter = randomDelimiter();
    const parts: Buffer[] = [];
    for (const message of messages) {
      if (message.key !== undefined && message.key !== null) parts.push(bytes(message.key), keyDelimiter);
      if (message.value !== null) parts.push(bytes(message.value));
      parts.push(messageDelimiter);
    }
    const input = Buffer.concat(parts);
    if (splitsBack(input, keyDelimiter, messageDelimiter, messages)) return { input, keyDelimiter, messageDelimiter };
  }
  throw new Error('kcatProduce: could not find delimiters absent from the payloads');
}

function splitsBack(input: Buffer, keyDelimiter: Buffer, messageDelimiter: Buffer, messages: readonly KcatMessage[]): boolean {
  let at = 0;
  for (const message of messages) {
    const end = input.indexOf(messageDelimiter, at);
    if (end < 0) return false;
    const body = input.subarray(at, end);
    const split = body.indexOf(keyDelimiter);
    const hasKey = message.key !== undefined && message.key !== null;
    if (hasKey !== split >= 0) return false;
    const value = hasKey ? body.subarray(split + keyDelimiter.length) : body;
    if (hasKey && !body.subarray(0, split).equals(bytes(message.key))) return false;
    if (!value.equals(message.value === null ? Buffer.alloc(0) : bytes(message.value))) return false;
    at = end + messageDelimiter.length;
  }
  return at === input.length;
}

function headerArgs(headers: Readonly<Record<string, string>> | undefined): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.length === 0 || /[=,]/.test(name)) throw new Error(`kcatProduce: header name ${JSON.stringify(name)} cannot be expressed to kcat`);
    if (value.includes(',')) throw new Error(`kcatProduce: header value ${JSON.stringify(value)} contains ','`);
    args.push('-H', `${name}=${value}`);
  }
  return args;
}

/**
 * kcat applies -H to every message of an invocation and, with -Z, turns empty
 * keys and values into nulls. So messages go out in consecutive runs sharing
 * a header set and a null mode; runs are sent one after another, which keeps
 * per-partition order.
 */
function runs(messages: readonly KcatMessage[]): KcatMessage[][] {
  const out: KcatMessage[][] = [];
  let previous: string | undefined;
  for (const message of messages) {
    const needsNull = message.key === undefined || message.key === null || message.value === null;
    if (needsNull && ((message.key !== undefined && message.key !== null && bytes(message.key).length === 0) || (message.value !== null && bytes(message.value).length === 0))) {
      throw new Error('kcatProduce: kcat cannot send an empty key or value in a message that also has a null key or value');
    }
    const signature = JSON.stringify([needsNull, Object.entries(message.headers ?? {})]);
    if (signature !== previous) out.push([]);
    out[out.length - 1].push(message);
    previous = signature;
  }
  return out;
}

/** Produces messages with kcat (librdkafka), waiting for every delivery. */
export async function kcatProduce(options: KcatProduceOptions): Promise<void> {
  for (const group of runs(options.messages)) {
    const { input, keyDelimiter, messageDelimiter } = frame(group);
    const first = group[0];
    const needsNull = first.key === undefined || first.key === null || first.value === null;
    const args = [
      '-P',
      '-q',
      '-b', brokerList(options.brokers),
      '-t', options.topic,
      '-K', escapeDelimiter(keyDelimiter),
      '-D', escapeDelimiter(messageDelimiter),
      '-X', `compression.codec=${options.compression ?? 'none'}`,
      ...(options.partition === undefined ? [] : ['-p', String(options.partition)]),
      ...(needsNull ? ['-Z'] : []),
      ...headerArgs(first.headers),
      ...(options.extra ?? []),
    ];
    await run('kcat', args, { input, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  }
}

/**
 * Each record starts with a sentinel line carrying lengths, then raw key and
 * value bytes, so payloads need not be text. Headers come last as kcat's
 * "name=value,..." text, ended by the next sentinel or the end of output.
 */
const SENTINEL = Buffer.from('\x1eREC ', 'latin1');
const FORMAT = '\\x1eREC %t %p %o %T %K %S\\n%k%s%h\\n';

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (text.length === 0) return headers;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) headers[pair] = '';
    else headers[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return headers;
}

export function parseKcatRecords(output: Buffer): KcatRecord[] {
  const records: KcatRecord[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`kcatConsume: unparseable output at byte ${at}: ${why}`);
  };
  while (at < output.length) {
    if (!output.subarray(at, at + SENTINEL.length).equals(SENTINEL)) fail('missing record sentinel');
    const lineEnd = output.indexOf(0x0a, at);
    if (lineEnd < 0) fail('unterminated record line');
    const fields = output.subarray(at + SENTINEL.length, lineEnd).toString('latin1').split(' ');
    if (fields.length !== 6) fail(`expected 6 fields, got ${fields.length}`);
    const [topic, partition, offset, timestamp, keyLength, valueLength] = fields;
    at = lineEnd + 1;
    const take = (length: number): Buffer | null => {
      if (length < 0) return null;
      if (at + length > output.length) fail('truncated payload');
      const slice = Buffer.from(output.subarray(at, at + length));
      at += length;
      return slice;
    };
    const key = take(Number(keyLength));
    const value = take(Number(valueLength));
    let headersEnd = output.indexOf(Buffer.concat([Buffer.from('\n'), SENTINEL]), at);
    if (headersEnd < 0) {
      if (output[output.length - 1] !== 0x0a) fail('unterminated headers');
      headersEnd = output.length - 1;
    }
    const headers = parseHeaders(output.subarray(at, headersEnd).toString('utf8'));
    at = headersEnd + 1;
    records.push({ topic, partition: Number(partition), offset: Number(offset), timestamp: Number(timestamp), key, value, headers });
  }
  return records;
}

/** Consumes with kcat (librdkafka, CRCs checked) without a consumer group. */
export async function kcatConsume(options: KcatConsumeOptions): Promise<KcatRecord[]> {
  const args = [
    '-C',
    '-q',
    '-e',
    '-b', brokerList(options.brokers),
    '-t', options.topic,
    '-o', String(options.offset ?? 'beginning'),
    '-c', String(options.count),
    '-f', FORMAT,
    '-X', 'check.crcs=true',
    ...(options.partition === undefined ? [] : ['-p', String(options.partition)]),
    ...(options.extra ?? []),
  ];
  const { stdout } = await run('kcat', args, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  return parseKcatRecords(stdout);
}

/** Cluster metadata as kcat -L -J reports it. */
export async function kcatMetadata(options: {
  readonly brokers: string | readonly string[];
  readonly topic?: string;
  readonly extra?: readonly string[];
  readonly timeoutMs?: number;
}): Promise<KcatMetadata> {
  const args = [
    '-L',
    '-J',
    '-q',
    '-b', brokerList(options.brokers),
    ...(options.topic === undefined ? [] : ['-t', options.topic]),
    ...(options.extra ?? []),
  ];
  const { stdout } = await run('kcat', args, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  return JSON.parse(stdout.toString('utf8')) as KcatMetadata;
}

/** kcat arguments for a SASL listener (security.protocol SASL_PLAINTEXT, or SASL_SSL with `tls`). */
export function kcatSaslArgs(options: {
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly username: string;
  readonly password: string;
  readonly tls?: boolean;
}): string[] {
  return [
    '-X', `security.protocol=${options.tls === true ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`,
    '-X', `sasl.mechanisms=${options.mechanism}`,
    '-X', `sasl.username=${options.username}`,
    '-X', `sasl.password=${options.password}`,
  ];
}

/** kcat arguments for a TLS listener whose certificate the CA in `caFile` signed. */
export function kcatTlsArgs(caFile: string): string[] {
  return ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${caFile}`];
}
