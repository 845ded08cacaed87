import { strict as assert } from 'node:assert';
import { Batcher } from '../../../src/vscode/eventBatcher';
import { Throttle } from '../../../src/vscode/throttle';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('batching and throttling', () => {
  it('delivers a burst of items as one batch after the delay, in order', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number>((items) => batches.push(items), 16);
    for (let i = 0; i < 500; i++) batcher.push([i]);
    assert.equal(batches.length, 0, 'nothing is sent synchronously');
    await sleep(40);
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0], Array.from({ length: 500 }, (_, i) => i));
    batcher.dispose();
  });

  it('flushes pending items on demand and drops them on clear', async () => {
    const batches: string[][] = [];
    const batcher = new Batcher<string>((items) => batches.push(items), 16);
    batcher.push(['a', 'b']);
    batcher.flush();
    batcher.push(['c']);
    batcher.clear();
    await sleep(30);
    assert.deepEqual(batches, [['a', 'b']]);
  });

  it('runs at once when quiet, then at most once per interval however often scheduled', async () => {
    let runs = 0;
    const throttle = new Throttle(() => runs++, 50);
    throttle.schedule();
    assert.equal(runs, 1, 'the first request runs immediately');
    for (let i = 0; i < 100; i++) throttle.schedule();
    assert.equal(runs, 1);
    await sleep(80);
    assert.equal(runs, 2, 'the burst collapsed into one trailing run');
    throttle.schedule();
    assert.equal(runs, 2, 'within the interval of the last run: deferred');
    throttle.flush();
    assert.equal(runs, 3, 'flush runs the deferred refresh now');
    throttle.dispose();
    throttle.schedule();
    await sleep(60);
    assert.equal(runs, 3, 'nothing runs after dispose');
  });
});
