// Mocked timers and clock: the assertions are about ordering and counts, never about how fast the machine is.
import { strict as assert } from 'node:assert';
import { mock } from 'node:test';
import { Batcher } from '../../../src/vscode/eventBatcher';
import { Throttle } from '../../../src/vscode/throttle';

describe('batching and throttling', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('delivers a burst of items as one batch after the delay, in order', () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number>((items) => batches.push(items), 16);
    for (let i = 0; i < 500; i++) batcher.push([i]);
    assert.equal(batches.length, 0, 'nothing is sent synchronously');
    mock.timers.tick(15);
    assert.equal(batches.length, 0, 'not before the delay');
    mock.timers.tick(1);
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0], Array.from({ length: 500 }, (_, i) => i));
    batcher.dispose();
  });

  it('flushes pending items on demand and drops them on clear', () => {
    const batches: string[][] = [];
    const batcher = new Batcher<string>((items) => batches.push(items), 16);
    batcher.push(['a', 'b']);
    batcher.flush();
    batcher.push(['c']);
    batcher.clear();
    mock.timers.tick(30);
    assert.deepEqual(batches, [['a', 'b']]);
  });

  it('runs at once when quiet, then at most once per interval however often scheduled', () => {
    let runs = 0;
    const throttle = new Throttle(() => runs++, 50);
    throttle.schedule();
    assert.equal(runs, 1, 'the first request runs immediately');
    for (let i = 0; i < 100; i++) throttle.schedule();
    assert.equal(runs, 1);
    mock.timers.tick(49);
    assert.equal(runs, 1, 'not before the interval has passed');
    mock.timers.tick(1);
    assert.equal(runs, 2, 'the burst collapsed into one trailing run');
    throttle.schedule();
    assert.equal(runs, 2, 'within the interval of the last run: deferred');
    throttle.flush();
    assert.equal(runs, 3, 'flush runs the deferred refresh now');
    throttle.dispose();
    throttle.schedule();
    mock.timers.tick(60);
    assert.equal(runs, 3, 'nothing runs after dispose');
  });
});
