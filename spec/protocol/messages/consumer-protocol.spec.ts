import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../../src/errors.js';
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../../../src/protocol/messages/index.js';
import { expectedDecode, messageArb, versionsOf } from './arbitraries.js';

const require = createRequire(import.meta.url);
const { MemberMetadata, MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberMetadata: { encode(a: object): Buffer; decode(b: Buffer): { version: number; topics: string[]; userData: Buffer } };
  MemberAssignment: { encode(a: object): Buffer; decode(b: Buffer): { version: number; assignment: Record<string, number[]> } };
};

describe('consumer protocol data (inside JoinGroup/SyncGroup bytes)', () => {
  it('round-trips every version with its int16 version prefix', () => {
    for (const codec of [ConsumerProtocolSubscription, ConsumerProtocolAssignment]) {
      for (const v of versionsOf(codec.decl)) {
        fc.assert(
          fc.property(messageArb(codec.decl, v), (input) => {
            const bytes = codec.encodeVersioned(v, input);
            expect(bytes.readInt16BE(0)).toBe(v);
            const out = codec.decodeVersioned(bytes);
            expect(out.version).toBe(v);
            expect(out.body).toEqual(expectedDecode(codec.decl.fields, v, input));
          }),
          { numRuns: 30 },
        );
      }
    }
  });

  it('agrees with KafkaJS (version 0/1 metadata and assignment)', () => {
    const theirs = MemberMetadata.encode({ version: 0, topics: ['a', 'b'], userData: Buffer.from('u') });
    const mine = ConsumerProtocolSubscription.encodeVersioned(0, { topics: ['a', 'b'], userData: Buffer.from('u') });
    expect(mine.toString('hex')).toBe(theirs.toString('hex'));
    const assignment = MemberAssignment.encode({ version: 1, assignment: { a: [0, 2], b: [1] } });
    const decoded = ConsumerProtocolAssignment.decodeVersioned(assignment);
    expect(decoded.version).toBe(1);
    expect(decoded.body.assignedPartitions).toEqual([
      { topic: 'a', partitions: [0, 2] },
      { topic: 'b', partitions: [1] },
    ]);
    const back = MemberAssignment.decode(ConsumerProtocolAssignment.encodeVersioned(1, decoded.body));
    expect(back.assignment).toEqual({ a: [0, 2], b: [1] });
  });

  it('reads a newer version as the newest it knows (later versions only append)', () => {
    const v3 = ConsumerProtocolSubscription.encodeVersioned(3, { topics: ['t'], generationId: 4, rackId: 'r' });
    v3.writeInt16BE(9, 0);
    const out = ConsumerProtocolSubscription.decodeVersioned(Buffer.concat([v3, Buffer.from([1, 2, 3])]));
    expect(out.version).toBe(9);
    expect(out.body).toMatchObject({ topics: ['t'], generationId: 4, rackId: 'r' });
    expect(() => ConsumerProtocolSubscription.decodeVersioned(Buffer.from([0xff, 0xff]))).toThrow(KafkaProtocolError);
  });
});
