import type { PendingRecord, ProducerRecord, RecordSink } from './record.js';

/**
 * What reporting needs of a batch's records, in compact per-batch arrays: the records
 * themselves are encoded on arrival and let go, while a batch may wait and be in flight for a
 * while, and every object still alive is copied by each young-generation GC.
 */
export class Receipts {
  constructor(
    /** Each record's position in its sink (its index in a send([...]) call, say). */
    readonly indices: Int32Array,
    readonly timestamps: Float64Array,
    /**
     * The records themselves, only where their sink wants them or they carry a context; null
     * when no record of the batch needs keeping.
     */
    readonly sources: Array<ProducerRecord | null> | null,
    /** Runs of records sharing a sink and a flush epoch (mostly one per send() call). */
    readonly runEnds: readonly number[],
    readonly runSinks: readonly RecordSink[],
    readonly runEpochs: readonly number[],
    /** When the first record was accepted: the batch's delivery deadline counts from here. */
    readonly createdAt: number,
  ) {}

  get count(): number {
    return this.indices.length;
  }

  /** The receipts of records `from`..`to`-1, for a batch split in two. */
  slice(from: number, to: number): Receipts {
    const runEnds: number[] = [];
    const runSinks: RecordSink[] = [];
    const runEpochs: number[] = [];
    for (let k = 0, start = 0; k < this.runEnds.length; start = this.runEnds[k++]) {
      const end = this.runEnds[k];
      if (end <= from || start >= to) continue;
      runEnds.push(Math.min(end, to) - from);
      runSinks.push(this.runSinks[k]);
      runEpochs.push(this.runEpochs[k]);
    }
    return new Receipts(
      this.indices.subarray(from, to),
      this.timestamps.subarray(from, to),
      this.sources?.slice(from, to) ?? null,
      runEnds,
      runSinks,
      runEpochs,
      this.createdAt,
    );
  }
}

/** Receipts taken one record at a time, alongside the records' encoding. */
export class ReceiptsWriter {
  private indices = new Int32Array(64);
  private timestamps = new Float64Array(64);
  private sources: Array<ProducerRecord | null> | null = null;
  private runEnds: number[] = [];
  private runSinks: RecordSink[] = [];
  private runEpochs: number[] = [];
  private n = 0;
  private createdAt = 0;

  add(r: PendingRecord): void {
    const n = this.n;
    if (n === this.indices.length) this.grow();
    if (n === 0) this.createdAt = r.acceptedAt;
    this.indices[n] = r.index;
    this.timestamps[n] = r.timestamp;
    const keep = r.sink.wantsRecord === true || r.hasContext;
    if (keep && this.sources === null) this.sources = new Array<ProducerRecord | null>(n).fill(null);
    if (this.sources !== null) this.sources.push(keep ? r.source : null);
    const runs = this.runSinks.length;
    if (runs === 0 || this.runSinks[runs - 1] !== r.sink || this.runEpochs[runs - 1] !== r.epoch) {
      if (n > 0) this.runEnds.push(n);
      this.runSinks.push(r.sink);
      this.runEpochs.push(r.epoch);
    }
    this.n = n + 1;
  }

  /** The receipts of the records added so far, and a fresh start (sized like the last batch). */
  finish(): Receipts {
    const n = this.n;
    this.runEnds.push(n);
    const out = new Receipts(
      this.indices.subarray(0, n),
      this.timestamps.subarray(0, n),
      this.sources,
      this.runEnds,
      this.runSinks,
      this.runEpochs,
      this.createdAt,
    );
    this.indices = new Int32Array(this.indices.length);
    this.timestamps = new Float64Array(this.timestamps.length);
    this.sources = null;
    this.runEnds = [];
    this.runSinks = [];
    this.runEpochs = [];
    this.n = 0;
    return out;
  }

  private grow(): void {
    const indices = new Int32Array(this.indices.length * 2);
    indices.set(this.indices);
    this.indices = indices;
    const timestamps = new Float64Array(this.timestamps.length * 2);
    timestamps.set(this.timestamps);
    this.timestamps = timestamps;
  }
}
