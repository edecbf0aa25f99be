import { gunzip, gunzipSync, gzip as gzipCb, type InputType, type ZlibOptions } from 'node:zlib';
import { asProtocolError, type Codec } from './codec.js';

function run(fn: (buf: InputType, opts: ZlibOptions, cb: (err: Error | null, out: Buffer) => void) => void, data: Buffer, opts: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fn(data, opts, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/** zlib enforces the limit while inflating (maxOutputLength), so a bomb stops early. */
export const gzipCodec: Codec = {
  id: 1,
  name: 'gzip',
  compress: (data) => run(gzipCb, data, {}),
  async decompress(data, maxBytes, at) {
    try {
      return await run(gunzip, data, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (err) {
      throw asProtocolError('gzip', err, at);
    }
  },
  decompressSync(data, maxBytes, at) {
    try {
      return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (err) {
      throw asProtocolError('gzip', err, at);
    }
  },
};
