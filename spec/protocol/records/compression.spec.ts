import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { compressSync as snappyCompressSync } from 'snappy';
import { compressFrameSync } from 'lz4-napi';
import { compress as zstdCompress } from '@mongodb-js/zstd';
import { KafkaConfigError, KafkaProtocolError } from '../../../src/errors.js';
import {
  codecById,
  codecByName,
  compress,
  COMPRESSION_NAMES,
  CompressionId,
  decompress,
  isXerial,
} from '../../../src/protocol/compression/index.js';

const sample = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(50));

/** The Java client's xerial framing around raw snappy blocks. */
function xerial(blocks: Buffer[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Buffer[] = [header];
  for (const b of blocks) {
    const raw = snappyCompressSync(b);
    const len = Buffer.alloc(4);
    len.writeInt32BE(raw.length);
    parts.push(len, raw);
  }
  return Buffer.concat(parts);
}

describe('codec table', () => {
  it('uses Kafka codec ids', () => {
    expect(CompressionId).toEqual({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
    expect(COMPRESSION_NAMES).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    for (const name of COMPRESSION_NAMES) expect(codecById(CompressionId[name], 0).name).toBe(name);
  });

  it('rejects unknown ids and names with typed errors', () => {
    expect(() => codecById(5, 7)).toThrow(KafkaProtocolError);
    expect(() => codecByName('brotli' as never)).toThrow(KafkaConfigError);
  });

  for (const name of COMPRESSION_NAMES) {
    it(`${name} round-trips, including empty input`, async () => {
      const packed = await compress(name, sample);
      if (name !== 'none') expect(packed.length).toBeLessThan(sample.length);
      expect(await decompress(CompressionId[name], packed)).toEqual(sample);
      const empty = await compress(name, Buffer.alloc(0));
      expect((await decompress(CompressionId[name], empty)).length).toBe(0);
    });

    if (name !== 'none') {
      it(`${name} turns garbage into KafkaProtocolError`, async () => {
        const garbage = Buffer.from('definitely not compressed data at all, really');
        await expect(decompress(CompressionId[name], garbage, 1 << 20, 40)).rejects.toBeInstanceOf(KafkaProtocolError);
      });
    }
  }
});

describe('snappy xerial framing', () => {
  it('decodes multi-block xerial streams', async () => {
    const a = Buffer.from('first block '.repeat(20));
    const b = Buffer.from('second block '.repeat(30));
    const framed = xerial([a, b]);
    expect(isXerial(framed)).toBe(true);
    expect(await decompress(CompressionId.snappy, framed)).toEqual(Buffer.concat([a, b]));
    expect(codecByName('snappy').decompressSync?.(framed, 1 << 20, 0)).toEqual(Buffer.concat([a, b]));
  });

  it('rejects a block length past the end', async () => {
    const framed = xerial([sample]);
    framed.writeInt32BE(framed.length, 16);
    await expect(decompress(CompressionId.snappy, framed)).rejects.toBeInstanceOf(KafkaProtocolError);
  });

  it('counts all blocks against the limit', async () => {
    const framed = xerial([sample, sample]);
    await expect(decompress(CompressionId.snappy, framed, sample.length + 10)).rejects.toThrow(/above the limit/);
  });
});

describe('bounded decompression', () => {
  const big = Buffer.alloc(8 * 1024 * 1024);
  const limit = 1024 * 1024;

  it('gzip stops inflating at the limit', async () => {
    const bomb = gzipSync(big);
    await expect(decompress(CompressionId.gzip, bomb, limit)).rejects.toBeInstanceOf(KafkaProtocolError);
    expect(() => codecByName('gzip').decompressSync?.(bomb, limit, 0)).toThrow(KafkaProtocolError);
  });

  it('snappy refuses a declared length above the limit before decoding', async () => {
    // preamble claims 2^31 bytes; the body is irrelevant because we never get that far
    const bomb = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x00]);
    await expect(decompress(CompressionId.snappy, bomb, limit)).rejects.toThrow(/above the limit/);
    await expect(decompress(CompressionId.snappy, snappyCompressSync(big), limit)).rejects.toThrow(/above the limit/);
  });

  it('lz4 refuses frames whose block bound is above the limit', async () => {
    await expect(decompress(CompressionId.lz4, compressFrameSync(big), limit)).rejects.toThrow(/above the limit/);
    const ok = compressFrameSync(sample);
    expect(await decompress(CompressionId.lz4, ok, limit)).toEqual(sample);
  });

  it('zstd refuses frames whose block bound is above the limit', async () => {
    await expect(decompress(CompressionId.zstd, await zstdCompress(big), limit)).rejects.toThrow(/above the limit/);
  });

  it('none honours the limit too', async () => {
    await expect(decompress(CompressionId.none, sample, 10)).rejects.toBeInstanceOf(KafkaProtocolError);
  });
});
