import type { FieldDecl, FieldType, Input, MessageDecl } from '../../protocol/messages/index.js';

/**
 * The answer to a request that failed as a whole (an injected error, an API the mock does not
 * serve): every errorCode field outside arrays carries `code`, everything else its default.
 * Handlers whose responses carry errors per topic or partition supply their own instead.
 */
export function genericErrorResponse<Res>(decl: MessageDecl, version: number, code: number): Input<Res> {
  return fill(decl.fields, version, code) as Input<Res>;
}

const present = (f: FieldDecl, v: number) => v >= f.versions[0] && v <= f.versions[1];

function fill(fields: readonly FieldDecl[], version: number, code: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!present(f, version)) continue;
    if (f.name === 'errorCode') out[f.name] = code;
    const nested = structOf(f.type);
    if (nested) out[f.name] = fill(nested, version, code);
  }
  return out;
}

function structOf(type: FieldType): readonly FieldDecl[] | undefined {
  return typeof type === 'object' && 'struct' in type ? type.struct : undefined;
}
