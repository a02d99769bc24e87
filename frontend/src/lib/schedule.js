// Keeping a page's live refreshes in proportion: a flood of events (a campaign posting hundreds of comments a
// second) must not turn every open page into hundreds of requests a second.

/**
 * Wraps `run` (async) so that it runs at most once at a time and starts at most once every `gapMs`: calls made
 * while it runs, or too soon after, are all served by one more run. Each call resolves once a run that started
 * after it has finished, so what that run shows is never older than the call. A failing run is not retried.
 */
export function coalesced(run, gapMs, { now = () => performance.now(), later = setTimeout } = {}) {
  let running = false;
  let waiting = null; // { promise, resolve } of the run that will serve the calls made since the last start
  let lastStart = -Infinity;

  const start = () => {
    const served = waiting;
    waiting = null;
    running = true;
    lastStart = now();
    Promise.resolve()
      .then(run)
      .catch(() => {})
      .then(() => {
        running = false;
        served.resolve();
        if (waiting) schedule();
      });
  };
  const schedule = () => later(start, Math.max(0, lastStart + gapMs - now()));

  return () => {
    if (!waiting) {
      let resolve;
      const promise = new Promise((settle) => { resolve = settle; });
      waiting = { promise, resolve };
      if (!running) schedule();
    }
    return waiting.promise;
  };
}
