import { checkOutput, type Codec } from './codec.js';

export const noneCodec: Codec = {
  id: 0,
  name: 'none',
  compress: (data) => Promise.resolve(data),
  decompress: async (data, maxBytes, at) => Promise.resolve(checkOutput('none', data, maxBytes, at)),
  decompressSync: (data, maxBytes, at) => checkOutput('none', data, maxBytes, at),
};
