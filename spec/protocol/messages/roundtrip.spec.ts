import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/protocol/primitives.js';
import { allApis } from '../../../src/protocol/messages/index.js';
import type { MessageDecl } from '../../../src/protocol/messages/schema.js';
import { expectedDecode, messageArb, versionsOf } from './arbitraries.js';

const RUNS = 12;

function roundTrip(
  decl: MessageDecl,
  encode: (this: void, v: number, b: never) => Buffer,
  decode: (this: void, v: number, r: Reader) => unknown,
): void {
  for (const version of versionsOf(decl)) {
    fc.assert(
      fc.property(messageArb(decl, version), (input) => {
        const bytes = encode(version, input as never);
        const r = new Reader(bytes);
        const decoded = decode(version, r);
        expect(r.remaining, `${decl.name} v${version} leftover bytes`).toBe(0);
        expect(decoded, `${decl.name} v${version}`).toEqual(expectedDecode(decl.fields, version, input));
        // The encoding is canonical: re-encoding the decoded value gives the same bytes.
        expect(encode(version, decoded as never).equals(bytes)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  }
}

describe('every API round-trips at every version', () => {
  it('covers the APIs the client and mock broker need', () => {
    const names = new Set(allApis.map((a) => a.name));
    for (const n of [
      'ApiVersions', 'Metadata', 'Produce', 'Fetch', 'ListOffsets', 'FindCoordinator', 'JoinGroup', 'SyncGroup',
      'Heartbeat', 'LeaveGroup', 'OffsetCommit', 'OffsetFetch', 'DescribeGroups', 'ListGroups', 'DeleteGroups',
      'InitProducerId', 'AddPartitionsToTxn', 'AddOffsetsToTxn', 'TxnOffsetCommit', 'EndTxn', 'CreateTopics',
      'DeleteTopics', 'CreatePartitions', 'DescribeConfigs', 'AlterConfigs', 'IncrementalAlterConfigs',
      'DeleteRecords', 'SaslHandshake', 'SaslAuthenticate',
    ]) {
      expect(names.has(n), n).toBe(true);
    }
    expect(allApis.length).toBeGreaterThanOrEqual(80);
  });

  for (const api of allApis) {
    it(`${api.name} (key ${api.apiKey}) request v${api.minVersion}-v${api.maxVersion}`, () => {
      roundTrip(api.request, api.encodeRequest, api.decodeRequest);
    });
    it(`${api.name} (key ${api.apiKey}) response v${api.response.validVersions[0]}-v${api.response.validVersions[1]}`, () => {
      roundTrip(api.response, api.encodeResponse, api.decodeResponse);
    });
  }
});
