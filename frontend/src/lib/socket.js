// The browser's Socket.IO connection: authenticated by the session cookie of a signed-in user.
import { io } from 'socket.io-client';

export const ACK_TIMEOUT_MS = 10000;

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
  socket.on('connect', () => {
    // Readers follow events only: the texts of every provision (megabytes for a long bill) are not needed.
    ask(socket, 'join', { bill, since: null, provisions: false }).then((ack) => ack.ok && onJoined(ack), () => {});
  });
  socket.on('event', (event) => {
    if (event.bill === bill) onEvent(event);
  });
}
