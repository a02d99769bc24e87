import assert from 'node:assert/strict';
import { test } from 'node:test';

import { coalesced } from '../src/lib/schedule.js';

/** Virtual time: `later` queues, `advance` runs what is due, letting promises settle in between. */
function clock() {
  let time = 0;
  const timers = [];
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    now: () => time,
    later: (run, ms) => timers.push({ at: time + ms, run }),
    async advance(ms) {
      const end = time + ms;
      for (;;) {
        await settle();
        timers.sort((a, b) => a.at - b.at);
        if (!timers.length || timers[0].at > end) break;
        const timer = timers.shift();
        time = Math.max(time, timer.at);
        timer.run();
      }
      time = end;
      await settle();
    },
  };
}

test('a flood of calls is served by one run now and one more after the gap', async () => {
  const time = clock();
  let runs = 0;
  const refresh = coalesced(async () => { runs += 1; }, 1000, time);
  const first = refresh();
  await time.advance(0);
  assert.equal(runs, 1);
  await first;
  const served = [];
  for (let i = 0; i < 500; i += 1) refresh().then(() => served.push(time.now()));
  await time.advance(999);
  assert.equal(runs, 1, 'not again before the gap');
  assert.equal(served.length, 0);
  await time.advance(1);
  assert.equal(runs, 2, 'every call of the flood served by one run');
  assert.equal(served.length, 500);
  await time.advance(5000);
  assert.equal(runs, 2, 'nothing more without calls');
});

test('a call made while a run is under way gets a run that starts after it', async () => {
  const time = clock();
  let release;
  const seen = [];
  let version = 0;
  const refresh = coalesced(() => {
    const read = version;
    return new Promise((resolve) => { release = () => { seen.push(read); resolve(); }; });
  }, 0, time);
  refresh();
  await time.advance(0);
  version = 1; // changed while the first run reads
  const later = refresh();
  release();
  await time.advance(0);
  release();
  await later;
  assert.deepEqual(seen, [0, 1]);
});

test('a failing run does not stop later ones', async () => {
  const time = clock();
  let runs = 0;
  const refresh = coalesced(async () => {
    runs += 1;
    if (runs === 1) throw new Error('offline');
  }, 100, time);
  const first = refresh();
  await time.advance(0);
  await first;
  const second = refresh();
  await time.advance(100);
  await second;
  assert.equal(runs, 2);
});

test('a run slower than the gap spaces the next one out instead of running back to back', async () => {
  const time = clock();
  const starts = [];
  let finish;
  const refresh = coalesced(() => {
    starts.push(time.now());
    return new Promise((resolve) => { finish = resolve; });
  }, 1000, time);
  refresh();
  await time.advance(0);
  refresh(); // a live event while the slow run is under way
  await time.advance(3000);
  finish(); // it took three seconds
  await time.advance(999);
  assert.deepEqual(starts, [0]);
  await time.advance(1);
  assert.deepEqual(starts, [0, 4000]);
});
