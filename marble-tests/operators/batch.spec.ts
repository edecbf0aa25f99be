import { Subject } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { KafkaConfigError, KafkaError } from '../../src/errors.js';
import { batch } from '../../src/operators/index.js';
import { createTestScheduler } from './test-scheduler.js';

const lengthOf = (s: string): number => s.length;

describe('batch (marbles)', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('emits when maxCount is reached and flushes the remainder on completion', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-d-e|');
      expectObservable(source.pipe(batch({ maxCount: 2, scheduler: ts }))).toBe('---x---y--(z|)', {
        x: ['a', 'b'],
        y: ['c', 'd'],
        z: ['e'],
      });
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('emits the held batch before an item that would exceed maxBytes; an oversized item goes alone', () => {
    ts.run(({ hot, expectObservable }) => {
      const v = { a: 'xx', b: 'xx', c: 'xxx', d: 'xxxxxxx', e: 'x' };
      const source = hot('-a-b-c-d------e|', v);
      // a+b=4; c would make 7 > 5 so [a,b] goes at 5; d (7) would exceed too, so [c] goes,
      // then d alone (already over the limit) at 7; e is flushed by completion.
      expectObservable(source.pipe(batch({ maxBytes: 5, sizeOf: lengthOf, scheduler: ts }))).toBe(
        '-----x-(yz)----(w|)',
        { x: ['xx', 'xx'], y: ['xxx'], z: ['xxxxxxx'], w: ['x'] },
      );
    });
  });

  it('emits as soon as the batch is exactly full by bytes', () => {
    ts.run(({ hot, expectObservable }) => {
      const source = hot('-a-b-c|', { a: 'xx', b: 'xxx', c: 'x' });
      expectObservable(source.pipe(batch({ maxBytes: 5, sizeOf: lengthOf, scheduler: ts }))).toBe(
        '---x--(y|)',
        { x: ['xx', 'xxx'], y: ['x'] },
      );
    });
  });

  it('emits lingerMs after the FIRST item of the batch, not the last', () => {
    ts.run(({ hot, expectObservable }) => {
      const source = hot('-a-b------c-d-----|');
      expectObservable(source.pipe(batch({ lingerMs: 5, scheduler: ts }))).toBe('------x--------y--|', {
        x: ['a', 'b'],
        y: ['c', 'd'],
      });
    });
  });

  it('a count flush cancels the linger timer; the next batch starts its own', () => {
    ts.run(({ hot, expectObservable }) => {
      const source = hot('-ab--c-------|');
      expectObservable(source.pipe(batch({ maxCount: 2, lingerMs: 5, scheduler: ts }))).toBe('--x-------y--|', {
        x: ['a', 'b'],
        y: ['c'],
      });
    });
  });

  it('lingerMs 0 groups a same-frame burst', () => {
    ts.run(({ hot, expectObservable }) => {
      const source = hot('-(abc)-d-|');
      expectObservable(source.pipe(batch({ lingerMs: 0, scheduler: ts }))).toBe('-x-----y-|', {
        x: ['a', 'b', 'c'],
        y: ['d'],
      });
    });
  });

  it('completion while a batch is pending flushes it, then completes', () => {
    ts.run(({ hot, expectObservable }) => {
      const source = hot('-a-b|');
      expectObservable(source.pipe(batch({ lingerMs: 100, maxCount: 10, scheduler: ts }))).toBe('----(x|)', {
        x: ['a', 'b'],
      });
    });
    expect(ts.actions).toHaveLength(0);
  });

  it('an error while a batch is pending emits the held batch, then the error', () => {
    const boom = new KafkaError('upstream failed');
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b#', undefined, boom);
      expectObservable(source.pipe(batch({ lingerMs: 100, scheduler: ts }))).toBe(
        '----(x#)',
        { x: ['a', 'b'] },
        boom,
      );
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(ts.actions).toHaveLength(0);
  });

  it('an error with nothing held is forwarded alone', () => {
    const boom = new KafkaError('upstream failed');
    ts.run(({ hot, expectObservable }) => {
      expectObservable(hot('-a--#', undefined, boom).pipe(batch({ maxCount: 1, scheduler: ts }))).toBe(
        '-x--#',
        { x: ['a'] },
        boom,
      );
    });
  });

  it('unsubscribing mid-linger emits nothing afterwards and releases the timer', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b------c|');
      expectObservable(source.pipe(batch({ lingerMs: 5, scheduler: ts })), '^---!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('unsubscribing removes the pending linger action from the scheduler', () => {
    const items = new Subject<string>();
    const seen: string[][] = [];
    const subscription = items.pipe(batch({ lingerMs: 5, scheduler: ts })).subscribe((b) => seen.push(b));
    items.next('a');
    expect(ts.actions).toHaveLength(1);
    subscription.unsubscribe();
    expect(ts.actions).toHaveLength(0);
    ts.flush();
    expect(seen).toEqual([]);
  });

  it('flush$ forces the held batch out; a flush with nothing held emits nothing', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-----c-----|');
      const flush$ = hot('------f----f-f----');
      expectObservable(source.pipe(batch({ flush$, lingerMs: 100, scheduler: ts }))).toBe('------x----y---|', {
        x: ['a', 'b'],
        y: ['c'],
      });
      expectSubscriptions(flush$.subscriptions).toBe('^--------------!');
    });
  });

  it('an error from flush$ emits the held batch, then the error, and unsubscribes the source', () => {
    const boom = new Error('flush trigger failed');
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-----c|');
      const flush$ = hot('-----#', undefined, boom);
      expectObservable(source.pipe(batch({ flush$, scheduler: ts }))).toBe('-----(x#)', { x: ['a', 'b'] }, boom);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('an empty source completes with no batch', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('|').pipe(batch({ maxCount: 3, lingerMs: 5, scheduler: ts }))).toBe('|');
      expectObservable(cold('---|').pipe(batch({ maxCount: 3, lingerMs: 5, scheduler: ts }))).toBe('---|');
    });
  });

  it('a throwing sizeOf ends the stream with its error after the held batch', () => {
    const bug = new Error('cannot measure');
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c|', { a: 'x', b: 'boom', c: 'y' });
      const sizeOf = (s: string): number => {
        if (s === 'boom') throw bug;
        return s.length;
      };
      expectObservable(source.pipe(batch({ maxBytes: 10, sizeOf, scheduler: ts }))).toBe(
        '---(x#)',
        { x: ['x'] },
        bug,
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('rejects invalid options at construction, naming the field', () => {
    expect(() => batch({ maxBytes: 10 })).toThrow(KafkaConfigError);
    expect(() => batch({ maxBytes: 10 })).toThrow(/sizeOf/);
    expect(() => batch({ maxCount: 0 })).toThrow(/maxCount/);
    expect(() => batch({ maxBytes: 0, sizeOf: () => 1 })).toThrow(/maxBytes/);
    expect(() => batch({ lingerMs: -1 })).toThrow(/lingerMs/);
  });
});
