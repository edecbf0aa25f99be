/**
 * Records not yet settled, per flush epoch: flush() closes the current epoch and waits until
 * it and every one before it have nothing out. Records mostly belong to the newest epoch, so
 * its count is a plain field (counted once per record on the Observer and produce() paths);
 * only older epochs that still have records out are kept in a map.
 */
export class FlushEpochs {
  private newest = 0;
  private newestCount = 0;
  private readonly older = new Map<number, number>();
  /** Records out over all epochs. */
  total = 0;

  /** The epoch records accepted now belong to. */
  get current(): number {
    return this.newest;
  }

  /** Closes the current epoch and returns it; records from here on belong to the next. */
  advance(): number {
    if (this.newestCount > 0) this.older.set(this.newest, this.newestCount);
    this.newestCount = 0;
    return this.newest++;
  }

  count(epoch: number, n: number): void {
    if (epoch === this.newest) this.newestCount += n;
    else this.older.set(epoch, (this.older.get(epoch) ?? 0) + n);
    this.total += n;
  }

  /** Takes `n` settled records of `epoch` off; true when the epoch has none left out. */
  uncount(epoch: number, n: number): boolean {
    this.total -= n;
    if (epoch === this.newest) {
      this.newestCount -= n;
      return this.newestCount <= 0;
    }
    const left = (this.older.get(epoch) ?? n) - n;
    if (left <= 0) this.older.delete(epoch);
    else this.older.set(epoch, left);
    return left <= 0;
  }

  /** The oldest epoch with records out; Infinity when there is none. */
  oldest(): number {
    let oldest = this.newestCount > 0 ? this.newest : Infinity;
    for (const e of this.older.keys()) if (e < oldest) oldest = e;
    return oldest;
  }
}
