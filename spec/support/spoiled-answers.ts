/** The answer's frame with its body cut to `keep` bytes (the size prefix says so). */
const cutShort = (frame: Buffer, keep: number): Buffer => {
  const out = Buffer.from(frame.subarray(0, 4 + 4 + keep)); // size, correlation id, part of the body
  out.writeInt32BE(out.length - 4, 0);
  return out;
};

/** Ways to spoil a broker's answer frame so that it does not decode, by name. */
export const SPOILED_ANSWERS: Array<[string, (frame: Buffer) => Buffer]> = [
  ['cut short', (f) => cutShort(f, 3)],
  ['of the wrong shape', (f) => Buffer.concat([f.subarray(0, 8), Buffer.alloc(f.length - 8, 0xff)])],
];
