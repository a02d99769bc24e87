// What the panel's forms share: where an opened form goes, and how one says that its write waits its turn.
import { t } from '../lib/dom.js';

/** Puts an opened form under its comment, right after the comment's own buttons: above its replies and the
 * campaign's signatures, however many there are. */
export function place(host, form) {
  // The comment the form is for, and its cluster, stay with it wherever it waits (see carryForms in keep.js).
  form.dataset.for ??= host.dataset.comment;
  form.dataset.cluster ??= host.dataset.cluster;
  const actions = host.querySelector(':scope > .comment-actions');
  if (actions) actions.after(form);
  else host.append(form);
}

/** Options for `apiPatiently` that say in `message` why a write turned away for a moment has not gone yet. */
export const busyIn = (message) => ({ onWait: (seconds) => { message.textContent = t('busy_retrying', { seconds }); } });

/** Runs `write` for `form` once at a time: while it is on its way the form's submit button is disabled, and a second
 * press does nothing (`{ busy: true }`). Otherwise `{ value }`, or `{ error }` when the write was refused. */
export function submitting(form, write) {
  return pressing(form.querySelector('button[type=submit]'), write);
}

/** As `submitting`, for a `button` that writes without a form (a hidden comment's "Restore"). */
export async function pressing(button, write) {
  if (button.disabled) return { busy: true };
  button.disabled = true;
  try {
    return { value: await write() };
  } catch (error) {
    return { error };
  } finally {
    button.disabled = false;
  }
}
