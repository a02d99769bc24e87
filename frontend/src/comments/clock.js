// The server's time as the page can tell it. Times the API gives (a comment's `editable_until`) are by the server's
// clock, and the browser's may be minutes or hours off: a clock ahead would take an author's Edit and Withdraw
// buttons away before their time (or never show them), with nothing to tell them why; one behind would offer them
// after it (the server's 409 edit_window_closed then says so, and the buttons go). So the page compares such times
// with the server's now: the browser's clock plus how far the server's is from it, learnt once from the `Date` of
// one small answer of the server. A page that cannot learn it uses its own clock, and the server's refusal stays
// the authority either way (the estimate is good to about a second).

/**
 * How far the server's clock is ahead of the browser's (ms; negative when behind), from the `Date` header of an
 * answer to a request sent at `sentAt` and received at `receivedAt` (browser ms); null if the header says nothing.
 */
export function offsetFrom(date, sentAt, receivedAt) {
  const server = Date.parse(date ?? '');
  if (!Number.isFinite(server)) return null;
  // The header counts whole seconds, cut down: the server's time was within the second after it. The answer was
  // written somewhere between sending and receiving: the middle is the best guess.
  return server + 500 - (sentAt + receivedAt) / 2;
}

export class ServerClock {
  /**
   * `url`: a cheap GET of the server, asked with HEAD for its `Date`. `request` and `local` stand for `fetch` and
   * `Date.now` (tests give their own).
   */
  constructor(url, { request = (...args) => fetch(...args), local = () => Date.now() } = {}) {
    this.url = url;
    this.request = request;
    this.local = local;
    this.offset = 0;
    this.learning = null;
  }

  /** Learns the server's offset, once for the page; resolves when known (or known to be unknown). */
  sync() {
    this.learning ??= (async () => {
      const sentAt = this.local();
      try {
        const answer = await this.request(this.url, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' });
        this.offset = offsetFrom(answer.headers.get('Date'), sentAt, this.local()) ?? 0;
      } catch {
        // Unreachable for now: the browser's clock meanwhile (and the server's refusal if it is wrong); the next
        // list read tries again.
        this.offset = 0;
        this.learning = null;
      }
    })();
    return this.learning;
  }

  /** The server's time now, as far as the page knows it (ms since the epoch). */
  now() {
    return this.local() + this.offset;
  }
}
