import { KafkaProtocolError } from '../../errors.js';
import { tooLarge } from './codec.js';

/** A read position over a compressed payload, failing with the payload's offset in the input. */
export class FrameCursor {
  pos = 0;

  constructor(
    readonly data: Buffer,
    private readonly codec: string,
    private readonly at: number,
  ) {}

  fail(message: string, pos = this.pos): never {
    throw new KafkaProtocolError(`corrupt ${this.codec} data: ${message}`, this.at + pos);
  }

  need(n: number): void {
    if (this.pos + n > this.data.length) this.fail('truncated frame');
  }
}

export interface OutputBound {
  /** The most the frames can decompress to, by their block headers. */
  bound: number;
  /** The largest content size a frame header declares. */
  declared: number;
}

/**
 * Walks the frames of a payload (lz4 and zstd share the frame layout's outer shape: a magic,
 * skippable frames to pass over) and sums what each frame's reader says it can produce.
 * The codec libraries have no output limit, so this bound is checked before they run.
 */
export function frameOutputBound(
  data: Buffer,
  codec: string,
  at: number,
  frameMagic: number,
  readFrame: (c: FrameCursor, out: OutputBound) => void,
): OutputBound {
  const c = new FrameCursor(data, codec, at);
  const out: OutputBound = { bound: 0, declared: 0 };
  while (c.pos < data.length) {
    c.need(4);
    const magic = data.readUInt32LE(c.pos);
    c.pos += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // skippable frame: size, then opaque bytes
      c.need(4);
      const size = data.readUInt32LE(c.pos);
      c.pos += 4;
      c.need(size);
      c.pos += size;
      continue;
    }
    if (magic !== frameMagic) c.fail('bad frame magic', c.pos - 4);
    readFrame(c, out);
  }
  return out;
}

/** Refuses a payload whose bound (or declared size) is above the limit, before decompressing. */
export function preflight(codec: string, { bound, declared }: OutputBound, maxBytes: number, at: number): void {
  const worst = Math.max(bound, declared);
  if (worst > maxBytes) throw tooLarge(codec, worst, maxBytes, at);
}
