import { describe, expect, it } from 'vitest';
import { ErrorCode, errorByCode, errorCodes } from '../../src/protocol/error-codes.js';
import { KAFKA_ERRORS } from './error-codes-fixture.js';

const byCode = (a: number, b: number): number => a - b;

describe('error code table, held against Kafka 4.x (error-codes-fixture.ts)', () => {
  it('the fixture itself has no repeated code or name', () => {
    expect(new Set(KAFKA_ERRORS.map(([code]) => code)).size).toBe(KAFKA_ERRORS.length);
    expect(new Set(KAFKA_ERRORS.map(([, name]) => name)).size).toBe(KAFKA_ERRORS.length);
  });

  it('holds exactly the codes Kafka defines', () => {
    const ours = errorCodes.map((e) => e.code).sort(byCode);
    const kafkas = KAFKA_ERRORS.map(([code]) => code).sort(byCode);
    expect(ours).toEqual(kafkas);
  });

  it.each(KAFKA_ERRORS)('code %i is %s, retriable %s', (code, name, retriable) => {
    const info = errorCodes.find((e) => e.code === code);
    expect(info, `code ${code} missing from errorCodes`).toBeDefined();
    expect(info).toMatchObject({ code, name, retriable });
    expect(errorByCode(code)).toMatchObject({ code, name, retriable });
  });

  it('gives every code a non-empty message', () => {
    for (const e of errorCodes) {
      expect(typeof e.message, `code ${e.code}`).toBe('string');
      expect(e.message.trim().length, `code ${e.code}`).toBeGreaterThan(0);
    }
  });

  it('ErrorCode names every code, and nothing else', () => {
    const named = ErrorCode as Readonly<Record<string, number>>;
    for (const [code, name] of KAFKA_ERRORS) expect(named[name], name).toBe(code);
    expect(Object.keys(ErrorCode).sort()).toEqual(KAFKA_ERRORS.map(([, name]) => name).sort());
  });
});
