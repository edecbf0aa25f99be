/**
 * Reads Kafka's message definitions (the folder given as the first argument; in an Apache Kafka
 * source tree: clients/src/main/resources/common/message) and writes src/protocol/messages/generated/
 * (or the folder given with `--out <dir>`): one file per API holding the request and response
 * declarations, their TypeScript types and the API object.
 *
 *   npm run generate -- <definitions folder> [--out <dir>]
 *
 * A missing or empty definitions folder is reported in one line on stderr (exit 2); any other
 * failure, such as a malformed definition, in one line `generate: <message>` (exit 1).
 *
 * Only facts are carried over (names, types, version ranges, nullability, tags, defaults);
 * documentation text and comments stay behind.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

interface JsonField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  default?: string | number | boolean;
  fields?: JsonField[];
}

interface JsonMessage {
  apiKey?: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: JsonField[];
  commonStructs?: { name: string; fields: JsonField[] }[];
}

const OPEN_END = 32767;
/** "data" definitions the client itself encodes (inside JoinGroup/SyncGroup metadata bytes). */
const DATA_MESSAGES = new Map([
  ['ConsumerProtocolSubscription', 'consumer-protocol-subscription'],
  ['ConsumerProtocolAssignment', 'consumer-protocol-assignment'],
]);
const PRIMITIVES = new Set([
  'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'bool', 'string', 'bytes', 'records', 'uuid',
]);
const TS_OF: Record<string, string> = {
  int8: 'number', int16: 'number', uint16: 'number', int32: 'number', uint32: 'number', float64: 'number',
  int64: 'bigint', bool: 'boolean', string: 'string', bytes: 'Buffer', records: 'Buffer', uuid: 'string',
};

/** Drops // comments (outside strings) so the files parse as JSON. */
function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

function parseRange(spec: string | undefined, what: string): [number, number] | null {
  if (spec === undefined || spec === 'none') return null;
  let m = /^(\d+)\+$/.exec(spec);
  if (m) return [Number(m[1]), OPEN_END];
  m = /^(\d+)-(\d+)$/.exec(spec);
  if (m) return [Number(m[1]), Number(m[2])];
  m = /^(\d+)$/.exec(spec);
  if (m) return [Number(m[1]), Number(m[1])];
  throw new Error(`bad version range "${spec}" in ${what}`);
}

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function range(r: [number, number]): string {
  return `[${r[0]}, ${r[1]}]`;
}

/** The default as TS source, or undefined when the JSON gives none. */
function defaultLiteral(field: JsonField, base: string, where: string): string | undefined {
  const d = field.default;
  if (d === undefined) return undefined;
  const s = String(d);
  if (s === 'null') return 'null';
  switch (base) {
    case 'bool':
      if (s !== 'true' && s !== 'false') throw new Error(`bad bool default in ${where}`);
      return s;
    case 'string':
      return JSON.stringify(s);
    case 'int64':
      return `${BigInt(s)}n`;
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'float64': {
      const n = Number(s);
      if (!Number.isFinite(n)) throw new Error(`bad numeric default "${s}" in ${where}`);
      return String(n);
    }
    default:
      throw new Error(`unexpected default "${s}" for ${base} in ${where}`);
  }
}

interface Emitted {
  interfaces: string[];
  names: Set<string>;
}

class MessageEmitter {
  private readonly common = new Map<string, JsonField[]>();
  readonly out: Emitted = { interfaces: [], names: new Set() };

  constructor(private readonly msg: JsonMessage) {
    for (const c of msg.commonStructs ?? []) this.common.set(c.name, c.fields);
  }

  private structName(kafkaName: string): string {
    return kafkaName.startsWith(this.msg.name) ? kafkaName : this.msg.name + kafkaName;
  }

  /** Emits the field list as TS source and the interface for it. */
  fields(fields: JsonField[], interfaceName: string, indent: string): string {
    const decls: string[] = [];
    const props: string[] = [];
    for (const f of fields) {
      const where = `${this.msg.name}.${f.name}`;
      const versions = parseRange(f.versions ?? f.taggedVersions, where);
      if (versions === null) throw new Error(`no versions for ${where}`);
      const nullable = parseRange(f.nullableVersions, where);
      const tagged = parseRange(f.taggedVersions, where);
      const isArray = f.type.startsWith('[]');
      const base = isArray ? f.type.slice(2) : f.type;
      let typeSrc: string;
      let tsType: string;
      if (PRIMITIVES.has(base)) {
        typeSrc = `'${base}'`;
        tsType = TS_OF[base];
      } else {
        const sub = f.fields ?? this.common.get(base);
        if (sub === undefined) throw new Error(`unknown struct ${base} in ${where}`);
        const name = this.structName(base);
        typeSrc = `{ struct: ${this.fields(sub, name, indent + '    ')} }`;
        tsType = name;
      }
      if (isArray) {
        typeSrc = `{ array: ${typeSrc} }`;
        tsType = `${tsType}[]`;
      }
      const d = defaultLiteral(f, isArray ? 'array' : base, where);
      if (nullable !== null || base === 'records' || d === 'null') tsType += ' | null';
      const parts = [`name: '${camel(f.name)}'`, `type: ${typeSrc}`, `versions: ${range(versions)}`];
      if (nullable !== null) parts.push(`nullableVersions: ${range(nullable)}`);
      if (tagged !== null) parts.push(`taggedVersions: ${range(tagged)}`);
      if (f.tag !== undefined) parts.push(`tag: ${Number(f.tag)}`);
      if (d !== undefined) parts.push(`default: ${d}`);
      decls.push(`${indent}  { ${parts.join(', ')} },`);
      props.push(`  ${camel(f.name)}: ${tsType};`);
    }
    if (!this.out.names.has(interfaceName)) {
      this.out.names.add(interfaceName);
      this.out.interfaces.push(`export interface ${interfaceName} {\n${props.join('\n')}\n}\n`);
    }
    return decls.length === 0 ? '[]' : `[\n${decls.join('\n')}\n${indent}]`;
  }
}

function emitMessage(msg: JsonMessage): { decl: string; interfaces: string[] } {
  const em = new MessageEmitter(msg);
  const valid = parseRange(msg.validVersions, msg.name);
  if (valid === null) throw new Error(`no validVersions in ${msg.name}`);
  const flex = parseRange(msg.flexibleVersions, msg.name);
  const fields = em.fields(msg.fields, msg.name, '');
  const decl =
    `export const ${msg.name}Decl: MessageDecl = {\n` +
    `  name: '${msg.name}',\n  apiKey: ${msg.apiKey ?? -1},\n  validVersions: ${range(valid)},\n` +
    `  flexibleFrom: ${flex === null ? 'null' : flex[0]},\n` +
    `  fields: ${fields.replace(/\n/g, '\n  ')},\n};\n`;
  // The top-level interface was pushed last; put it first for readers.
  const interfaces = [...em.out.interfaces];
  interfaces.unshift(interfaces.pop() as string);
  return { decl, interfaces };
}

const NEED =
  "give the folder of Kafka's message definitions (clients/src/main/resources/common/message " +
  'in an Apache Kafka source tree): npm run generate -- <folder> [--out <dir>]';

/** A failure to report as one line on stderr, with the exit code to leave with. */
class GenerateError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

interface Args {
  definitions: string;
  outDir: string;
}

/** `<definitions folder> [--out <dir>]`; the output defaults to the repository's generated/ folder. */
function parseArgs(argv: string[]): Args {
  let definitions: string | undefined;
  let outDir = resolve(dirname(fileURLToPath(import.meta.url)), '../src/protocol/messages/generated');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') {
      const value = argv[++i];
      if (value === undefined || value === '') throw new GenerateError(`--out needs a folder; ${NEED}`, 2);
      outDir = resolve(value);
    } else if (arg.startsWith('--out=')) {
      outDir = resolve(arg.slice('--out='.length));
    } else if (arg.startsWith('-')) {
      throw new GenerateError(`unknown option ${arg}; ${NEED}`, 2);
    } else if (definitions === undefined) {
      definitions = arg;
    } else {
      throw new GenerateError(`one definitions folder only (got ${definitions} and ${arg}); ${NEED}`, 2);
    }
  }
  if (definitions === undefined) throw new GenerateError(NEED, 2);
  return { definitions: resolve(definitions), outDir };
}

/** The definition files of the folder, sorted; fails (exit 2) when there is no such folder or no definitions in it. */
function definitionFiles(dir: string): string[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new GenerateError(`${dir} is not a folder; ${NEED}`, 2);
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof GenerateError) throw err;
    throw new GenerateError(`no folder ${dir}; ${NEED}`, 2);
  }
  const files = entries.filter((f) => f.endsWith('.json')).sort();
  if (!files.some((f) => /(Request|Response)\.json$/.test(f))) {
    throw new GenerateError(`no *Request.json or *Response.json files in ${dir}; ${NEED}`, 2);
  }
  return files;
}

function generate({ definitions: dir, outDir }: Args): void {
  const messages = new Map<string, JsonMessage>();
  const fileOf = new Map<string, string>();
  for (const file of definitionFiles(dir)) {
    let msg: JsonMessage;
    try {
      msg = JSON.parse(stripComments(readFileSync(join(dir, file), 'utf8'))) as JsonMessage;
    } catch (err) {
      throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (msg.type !== 'request' && msg.type !== 'response' && !(msg.type === 'data' && DATA_MESSAGES.has(msg.name))) {
      continue;
    }
    messages.set(msg.name, msg);
    fileOf.set(msg.name, file);
  }
  const emit = (msg: JsonMessage): ReturnType<typeof emitMessage> => {
    try {
      return emitMessage(msg);
    } catch (err) {
      throw new Error(`${fileOf.get(msg.name)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  // Everything is built in memory first, so a bad definition leaves the output folder as it was.
  const outputs = new Map<string, string>();
  const header = '// Generated by scripts/generate-messages.ts from Kafka\'s message definitions. Do not edit.\n';
  const apis: { name: string; file: string; apiKey: number }[] = [];
  for (const req of messages.values()) {
    if (req.type !== 'request') continue;
    const api = req.name.replace(/Request$/, '');
    const res = messages.get(`${api}Response`);
    if (res === undefined) throw new Error(`${fileOf.get(req.name)}: no ${api}Response.json beside it`);
    if (res.apiKey !== req.apiKey) throw new Error(`${fileOf.get(req.name)}: api key mismatch with ${fileOf.get(res.name)}`);
    const a = emit(req);
    const b = emit(res);
    const file = kebab(api);
    const src =
      header +
      `import { defineApi } from '../define.js';\nimport type { MessageDecl } from '../schema.js';\n\n` +
      [...a.interfaces, ...b.interfaces].join('\n') +
      '\n' + a.decl + '\n' + b.decl + '\n' +
      `export const ${api} = defineApi<${req.name}, ${res.name}>('${api}', ${req.name}Decl, ${res.name}Decl);\n`;
    outputs.set(`${file}.ts`, src);
    apis.push({ name: api, file, apiKey: req.apiKey as number });
  }
  const data: { name: string; file: string }[] = [];
  for (const [name, file] of DATA_MESSAGES) {
    const msg = messages.get(name);
    if (msg === undefined) continue;
    const m = emit(msg);
    const src =
      header +
      `import { defineData } from '../define.js';\nimport type { MessageDecl } from '../schema.js';\n\n` +
      m.interfaces.join('\n') + '\n' + m.decl + '\n' +
      `export const ${name} = defineData<${name}>(${name}Decl);\n`;
    outputs.set(`${file}.ts`, src);
    data.push({ name, file });
  }
  apis.sort((x, y) => x.apiKey - y.apiKey);
  const index =
    header +
    [...apis, ...data].map((a) => `export * from './${a.file}.js';`).join('\n') + '\n' +
    apis.map((a) => `import { ${a.name} } from './${a.file}.js';`).join('\n') + '\n\n' +
    `/** Every API, in api key order. */\nexport const allApis = [\n${apis.map((a) => `  ${a.name},`).join('\n')}\n] as const;\n`;
  outputs.set('index.ts', index);
  mkdirSync(outDir, { recursive: true });
  // only what an earlier run wrote is removed: --out pointed at another folder must not empty it
  const present = readdirSync(outDir, { withFileTypes: true });
  const foreign = present.filter((e) => !e.isFile() || !readFileSync(join(outDir, e.name), 'utf8').startsWith(header));
  if (foreign.length > 0) throw new Error(`${outDir} holds ${foreign[0].name}, which this script did not write; give --out an empty folder or a generated one`);
  for (const e of present) rmSync(join(outDir, e.name));
  for (const [file, src] of outputs) writeFileSync(join(outDir, file), src);
  process.stdout.write(`wrote ${apis.length} APIs to ${outDir}\n`);
}

function main(): void {
  try {
    generate(parseArgs(process.argv.slice(2)));
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`generate: ${message}\n`);
    process.exit(err instanceof GenerateError ? err.exitCode : 1);
  }
}

main();
