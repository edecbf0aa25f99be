import { KafkaProtocolError } from '../errors.js';
import { FrameTooLargeError } from './errors.js';

/**
 * Splits a byte stream into size-prefixed frames. Complete frames inside one chunk are
 * returned as views of it (no copy); only a frame that spans chunks is assembled.
 */
export class FrameReader {
  private parts: Buffer[] = [];
  private held = 0;
  /** Size of the frame being assembled, or -1 while its prefix is incomplete. */
  private want = -1;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feed a chunk; returns the frame payloads it completes. Throws on a bad size prefix. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let buf = chunk;
    if (this.held > 0) {
      this.parts.push(chunk);
      this.held += chunk.length;
      // Assemble only once there is a size prefix to read, or the whole frame it announced.
      if (this.held < (this.want < 0 ? 4 : this.want + 4)) return frames;
      buf = Buffer.concat(this.parts, this.held);
      this.parts = [];
      this.held = 0;
      this.want = -1;
    }
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos);
      if (size < 0) throw new KafkaProtocolError(`negative frame size ${size}`, pos);
      if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
      if (buf.length - pos - 4 < size) {
        this.want = size;
        break;
      }
      frames.push(buf.subarray(pos + 4, pos + 4 + size));
      pos += 4 + size;
    }
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      this.parts = [rest];
      this.held = rest.length;
      if (this.want < 0 && rest.length >= 4) this.want = rest.readInt32BE(0);
    }
    return frames;
  }
}
