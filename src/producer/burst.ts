import type { SchedulerLike } from 'rxjs';
import { atEndOfRun } from '../clock.js';
import type { ProducerRecord, RecordSink } from './record.js';
import { Segmented, type Indexed } from './segmented.js';

/**
 * A synchronous burst of single records for one sink (next() calls, as `from(array)` makes
 * them, or a produce() stream), collected so that it is placed as one run, as send([...])
 * places one: one take of buffer room, one pass through the partitioner and the batches. The
 * burst ends with the current synchronous run of code, or when another sink or a gap in the
 * sink's indices comes, or when flushed.
 */
export class Burst {
  private records = new Segmented<ProducerRecord>();
  private sink: RecordSink | null = null;
  private indexBase = 0;
  private due = false;

  constructor(
    private readonly scheduler: SchedulerLike,
    /** Takes the burst's records in, as one call would. */
    private readonly place: (records: Indexed<ProducerRecord>, sink: RecordSink, indexBase: number) => void,
  ) {}

  add(record: ProducerRecord, sink: RecordSink, index: number): void {
    if (this.records.length > 0 && (sink !== this.sink || index !== this.indexBase + this.records.length)) this.flush();
    if (this.records.length === 0) {
      this.sink = sink;
      this.indexBase = index;
    }
    this.records.push(record);
    if (!this.due) {
      this.due = true;
      atEndOfRun(this.scheduler, this.ended);
    }
  }

  private readonly ended = (): void => {
    this.due = false;
    this.flush();
  };

  /** Places what the burst holds now. */
  flush(): void {
    if (this.records.length === 0) return;
    const { records, sink, indexBase } = this;
    this.records = new Segmented();
    this.sink = null;
    this.place(records, sink as RecordSink, indexBase);
  }
}
