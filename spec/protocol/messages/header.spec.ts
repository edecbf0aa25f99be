import { describe, expect, it } from 'vitest';
import { KafkaError, KafkaProtocolError } from '../../../src/errors.js';
import {
  allApis,
  ApiVersions,
  apis,
  apisByKey,
  ControlledShutdown,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  Fetch,
  isRequestFor,
  Metadata,
  peekCorrelationId,
  requestHeaderVersion,
  responseHeaderVersion,
  SaslHandshake,
  type AnyApi,
} from '../../../src/protocol/messages/index.js';

const hex = (b: Buffer) => b.toString('hex');

describe('header versions', () => {
  it('follow flexibility, with the ApiVersions and ControlledShutdown exceptions', () => {
    expect(requestHeaderVersion(3, 8)).toBe(1);
    expect(requestHeaderVersion(3, 9)).toBe(2);
    expect(responseHeaderVersion(3, 8)).toBe(0);
    expect(responseHeaderVersion(3, 9)).toBe(1);
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(requestHeaderVersion(7, 0)).toBe(0);
    expect(requestHeaderVersion(7, 1)).toBe(1);
    expect(requestHeaderVersion(17, 1)).toBe(1); // SaslHandshake is never flexible
    expect(responseHeaderVersion(17, 1)).toBe(0);
  });
});

describe('hand-written frames', () => {
  it('ApiVersions v3 request: header v2 (classic client id string, then tagged fields), compact body', () => {
    const frame = encodeRequestFrame(ApiVersions, 3, 1, 'me', { clientSoftwareName: 'rx', clientSoftwareVersion: '1' });
    // size | key 18 | v3 | corr 1 | client id int16 "me" | no tags | "rx" compact | "1" compact | no tags
    expect(hex(frame)).toBe('00000013' + '0012' + '0003' + '00000001' + '00026d65' + '00' + '037278' + '0231' + '00');
  });

  it('ApiVersions v3 response keeps header v0 (no tagged-field byte after the correlation id)', () => {
    const frame = encodeResponseFrame(ApiVersions, 3, 5, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] });
    // size | corr | error | compact array of 1 | key, min, max, no tags | throttle | no tags
    expect(hex(frame)).toBe('00000013' + '00000005' + '0000' + '02' + '0000' + '0000' + '000b' + '00' + '00000000' + '00');
    expect(decodeResponseFrame(ApiVersions, 3, frame.subarray(4)).body.apiKeys).toEqual([
      { apiKey: 0, minVersion: 0, maxVersion: 11 },
    ]);
  });

  it('ControlledShutdown v0 request uses header v0 (no client id)', () => {
    const frame = encodeRequestFrame(ControlledShutdown, 0, 9, 'ignored', { brokerId: 4 });
    expect(hex(frame)).toBe('0000000c' + '0007' + '0000' + '00000009' + '00000004');
    expect(decodeRequestFrame(frame.subarray(4))).toMatchObject({ ok: true, clientId: null, body: { brokerId: 4 } });
  });

  it('SaslHandshake v1 request: header v1 and classic strings', () => {
    const frame = encodeRequestFrame(SaslHandshake, 1, 2, null, { mechanism: 'PLAIN' });
    expect(hex(frame)).toBe('00000011' + '0011' + '0001' + '00000002' + 'ffff' + '0005' + Buffer.from('PLAIN').toString('hex'));
  });

  it('a tagged struct is written only when not default, sized, with its own tag section', () => {
    const body = { responses: [{ topicId: 'AAECAwQFBgcICQoLDA0ODw', partitions: [{ partitionIndex: 1, currentLeader: { leaderId: 2, leaderEpoch: 3 } }] }] };
    const bytes = Fetch.encodeResponse(13, body);
    // ...records (null: 00), then partition tags: 1 field, tag 1, size 9, leaderId, epoch, no tags
    expect(hex(bytes)).toContain('00' + '01' + '01' + '09' + '00000002' + '00000003' + '00');
    const decoded = Fetch.decodeResponse(13, bytes);
    expect(decoded.responses[0].topicId).toBe('AAECAwQFBgcICQoLDA0ODw');
    expect(decoded.responses[0].partitions[0].currentLeader).toEqual({ leaderId: 2, leaderEpoch: 3 });
    // Default tagged values add nothing: same bytes as not giving them.
    const plain = Fetch.encodeResponse(13, { responses: [{ partitions: [{ currentLeader: { leaderId: -1, leaderEpoch: -1 } }] }] });
    expect(plain.equals(Fetch.encodeResponse(13, { responses: [{ partitions: [{}] }] }))).toBe(true);
  });

  it('unknown tagged fields are skipped; out-of-order tags are rejected', () => {
    // ApiVersions v3 response: error 0, no keys, throttle 0, tags: [tag 9 size 2 "ab"]
    const withUnknown = Buffer.from('0000' + '01' + '00000000' + '01' + '09' + '02' + '6162', 'hex');
    expect(ApiVersions.decodeResponse(3, withUnknown)).toMatchObject({ errorCode: 0, apiKeys: [], finalizedFeaturesEpoch: -1n });
    // tag 1 (finalizedFeaturesEpoch = 7) is known and decoded
    const known = Buffer.from('0000' + '01' + '00000000' + '01' + '01' + '08' + '0000000000000007', 'hex');
    expect(ApiVersions.decodeResponse(3, known).finalizedFeaturesEpoch).toBe(7n);
    const outOfOrder = Buffer.from('0000' + '01' + '00000000' + '02' + '09' + '00' + '03' + '00', 'hex');
    expect(() => ApiVersions.decodeResponse(3, outOfOrder)).toThrow(/out of order/);
  });

  it('null where the version forbids it is rejected both ways', () => {
    // Metadata v1 response, one broker whose host is null
    const bytes = Buffer.from('00000001' + '00000001' + 'ffff', 'hex');
    expect(() => Metadata.decodeResponse(1, bytes)).toThrow(KafkaProtocolError);
    expect(() => Metadata.encodeResponse(1, { brokers: [{ host: null as unknown as string }] })).toThrow(KafkaError);
  });
});

describe('frames', () => {
  it('every API at its newest version: request and response frames round-trip with the right header', () => {
    for (const api of allApis as readonly AnyApi[]) {
      const v = api.maxVersion;
      const req = encodeRequestFrame(api, v, 123, 'cid', {});
      expect(req.readInt32BE(0)).toBe(req.length - 4);
      const frame = decodeRequestFrame(req.subarray(4));
      if (!frame.ok) throw new Error(`${api.name}: ${frame.reason}`);
      expect(frame).toMatchObject({ apiKey: api.apiKey, apiVersion: v, correlationId: 123, clientId: api.apiKey === 7 && v === 0 ? null : 'cid' });
      expect(frame.body).toEqual(api.decodeRequest(v, api.encodeRequest(v, {})));
      const res = encodeResponseFrame(api, v, -5, {});
      expect(peekCorrelationId(res.subarray(4))).toBe(-5);
      const out = decodeResponseFrame(api, v, res.subarray(4));
      expect(out.correlationId).toBe(-5);
      expect(out.body).toEqual(api.decodeResponse(v, api.encodeResponse(v, {})));
    }
  });

  it('unknown api keys and versions come back with their header so a broker can answer', () => {
    const unknownKey = Buffer.from('7fff' + '0000' + '0000002a' + '0001' + '63', 'hex');
    expect(decodeRequestFrame(unknownKey)).toMatchObject({ ok: false, reason: 'unknown-api', apiKey: 0x7fff, correlationId: 42, clientId: 'c' });
    // ApiVersions v99 from a future client (flexible header we cannot know about): still answerable.
    const future = Buffer.from('0012' + '0063' + '0000002b' + '0001' + '63' + '00' + '0000', 'hex');
    const f = decodeRequestFrame(future);
    expect(f).toMatchObject({ ok: false, reason: 'unsupported-version', apiKey: 18, apiVersion: 99, correlationId: 43 });
    if (!f.ok) expect(f.error.code).toBe(35);
  });

  it('isRequestFor narrows the body type', () => {
    const f = decodeRequestFrame(encodeRequestFrame(Metadata, 12, 1, 'c', { topics: null }).subarray(4));
    expect(isRequestFor(f, ApiVersions)).toBe(false);
    if (!isRequestFor(f, Metadata)) throw new Error('expected a Metadata request');
    expect(f.body.topics).toBeNull();
  });

  it('registry finds APIs by key and by name; versions outside the range are refused', () => {
    expect(apisByKey.get(3)).toBe(Metadata);
    expect(apis.get('Fetch')).toBe(Fetch);
    expect(() => Metadata.encodeRequest(13, {})).toThrow(expect.objectContaining({ code: 35 }) as Error);
    expect(() => encodeRequestFrame(Metadata, -1, 1, null, {})).toThrow(KafkaError);
    expect(() => peekCorrelationId(Buffer.alloc(3))).toThrow(KafkaProtocolError);
  });

  it('fields a version does not have are ignored on encode', () => {
    expect(hex(Metadata.encodeRequest(0, { topics: [], allowAutoTopicCreation: false }))).toBe('00000000');
  });

  it('uuids print as Kafka does (URL-safe base64, no padding) and bad ones are refused', () => {
    const zero = Metadata.decodeResponse(10, Metadata.encodeResponse(10, { topics: [{ name: 't' }] })).topics[0].topicId;
    expect(zero).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(() => Metadata.encodeRequest(10, { topics: [{ topicId: 'short' }] })).toThrow(KafkaError);
  });
});
