// The state of the saving the editor shows (#sync-state), decided from what the page knows. Pure: no DOM.

/**
 * Which state to show: `signed_out` (nothing reconnects until the drafter has signed in again), else `offline`
 * ("Reconnecting…": whatever else is wrong, a drafter must see that nothing is being saved now), else `error`
 * (a refused or lost edit, until what was typed after it is saved), else `saved` or `saving`.
 */
export function stateKey({ signedOut, connected, problem, settled }) {
  if (signedOut) return 'signed_out';
  if (!connected) return 'offline';
  if (problem) return 'error';
  return settled ? 'saved' : 'saving';
}
