// The browser's Socket.IO connection: authenticated by the session cookie of a signed-in user.
import { io } from 'socket.io-client';

export const ACK_TIMEOUT_MS = 10000;
// How long a page whose connection was closed for a changed password waits before asking again who it is.
const SESSION_RECHECK_MS = 1000;

/** Connects to this site's server; anonymous visitors may follow public bills. */
export function connect() {
  return io({ withCredentials: true, transports: ['websocket', 'polling'] });
}

/** Emits `name` and resolves to its ack (rejects on timeout or disconnect). */
export function ask(socket, name, payload) {
  return socket.timeout(ACK_TIMEOUT_MS).emitWithAck(name, payload);
}

/** Joins bill `bill` on every (re)connection and calls `onEvent` for each of its events. */
export function followBill(socket, bill, onEvent, onJoined = () => {}) {
  // Following needs no sign-in: a connection closed because its sign-in ended comes back as whoever is signed in.
  followSignIn(socket, null);
  socket.on('connect', () => {
    // Readers follow events only: the texts of every provision (megabytes for a long bill) are not needed.
    ask(socket, 'join', { bill, since: null, provisions: false }).then((ack) => ack.ok && onJoined(ack), () => {});
  });
  socket.on('event', (event) => {
    if (event.bill === bill) onEvent(event);
  });
}

/** Who this browser is signed in as now (`null`: nobody), or `undefined` when the server cannot be asked. */
export async function signedInAs() {
  try {
    const answer = await fetch('/api/session', { credentials: 'same-origin', cache: 'no-store' });
    return answer.ok ? (await answer.json()).user?.id ?? null : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The server closes a connection whose sign-in ended (`signed_out`, docs/protocol.md) and socket.io-client does
 * not reconnect after that. When this browser is still signed in as `user` (it changed the password itself and
 * holds the renewed session) the connection comes back at once; otherwise `onEnded(reason)` is called, and the
 * function returned (`reconnect`) checks again, e.g. once the user has signed in again in another tab. `user`
 * null: a reader's page, which may follow the bill anonymously and so always comes back.
 */
export function followSignIn(socket, user, onEnded = () => {}) {
  let reason = null;
  const reconnect = async () => {
    let now = user === null ? null : await signedInAs();
    if (user !== null && now !== user && reason === 'password_changed') {
      // The close can overtake the answer that renews this browser's session when it changed the password
      // itself: ask once more, a moment later, before saying it is signed out.
      await new Promise((resolve) => { setTimeout(resolve, SESSION_RECHECK_MS); });
      now = await signedInAs();
    }
    if (user !== null && now !== user) {
      onEnded(reason ?? 'signed_out', now === undefined);
      return false;
    }
    reason = null;
    // A connection that came back by itself after its sign-in ended is anonymous: open it again as `user`.
    if (socket.connected) socket.disconnect();
    socket.connect();
    return true;
  };
  socket.on('signed_out', (data) => { reason = data?.reason ?? 'signed_out'; });
  socket.on('disconnect', (why) => {
    if (why === 'io server disconnect' && reason !== null) reconnect();
  });
  return reconnect;
}
