// Keeping a page's live refreshes in proportion: a flood of events (a campaign posting hundreds of comments a
// second) must not turn every open page into hundreds of requests a second.

/**
 * Wraps `run` (async) so that it runs at most once at a time and starts `gapMs` after the previous run ended at
 * the soonest: calls made while it runs, or too soon after, are all served by one more run. A run slower than the
 * gap (a slow server) thus spaces the runs out instead of running back to back. Each call resolves once a run
 * that started after it has finished, so what that run shows is never older than the call. A failing run is
 * not retried.
 */
export function coalesced(run, gapMs, { now = () => performance.now(), later = setTimeout } = {}) {
  let running = false;
  let waiting = null; // { promise, resolve } of the run that will serve the calls made since the last start
  let lastEnd = -Infinity;

  const start = () => {
    const served = waiting;
    waiting = null;
    running = true;
    Promise.resolve()
      .then(run)
      .catch(() => {})
      .then(() => {
        running = false;
        lastEnd = now();
        served.resolve();
        if (waiting) schedule();
      });
  };
  const schedule = () => later(start, Math.max(0, lastEnd + gapMs - now()));

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
