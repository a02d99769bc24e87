// Publishing a version of the working text from the editor, and the editor's header, which says which version the
// working text is based on: brought up to date when this drafter publishes, when another one does (the bill's
// `version.published` event) and when the page learns of it after a reconnection.
import { api } from '../lib/api.js';
import { announce, say, t } from '../lib/dom.js';

// How long publishing waits for this drafter's last keystrokes to be saved before it gives up and says so.
const SAVE_WAIT_MS = 10000;

/** Resolves true once `isSaved()` holds, false if it still does not after `waitMs`. */
async function savedWithin(isSaved, waitMs) {
  const until = performance.now() + waitMs;
  while (!isSaved()) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => { setTimeout(resolve, 50); });
  }
  return true;
}

/**
 * Sets up the "Publish a version" button of bill `bill`, whose working text is based on version `version` as the
 * page was served; `isSaved()` tells whether everything this drafter typed is saved. Returns `showVersion(latest)`,
 * which brings the header to version `latest` if that is newer (true when it was), and `onPublished(event)`, for
 * the bill's `version.published` events.
 */
export function setUpPublishing(bill, version, isSaved = () => true) {
  let known = version;
  let publishing = false;
  const button = document.getElementById('publish-version');

  const showVersion = (latest) => {
    if (!(Number.isInteger(latest) && latest > known)) return false;
    known = latest;
    document.body.dataset.version = String(known);
    say('working-version', t('working_version', { version: known }));
    return true;
  };

  button.addEventListener('click', async () => {
    // A published version is public: asked first, as deleting a provision is.
    if (!window.confirm(t('confirm_publish', { version: known + 1 }))) return;
    button.disabled = true;
    publishing = true;
    try {
      // What the drafter typed last (held back while the confirm box was open, or still on its way) goes into
      // the version: published before it is saved, it would be cut off mid-word and left over as working text.
      if (!(await savedWithin(isSaved, SAVE_WAIT_MS))) {
        say('editor-message', t('publish_unsaved'));
        return;
      }
      const published = await api('POST', `/api/bills/${bill}/versions`, { source: 'working' });
      showVersion(published.version);
      const text = t('published', { version: published.version });
      say('editor-message', text);
      announce(text);
    } catch (error) {
      say('editor-message', t('refused', { message: error.message }));
    } finally {
      publishing = false;
      button.disabled = false;
      // Disabled, the button may have lost the focus to the page's body: it gets it back.
      if (!document.activeElement || document.activeElement === document.body) button.focus();
    }
  });

  // Another drafter published (this drafter's own publishing says so itself, once its answer is in).
  const onPublished = (event) => {
    if (showVersion(event.data?.version) && !publishing) announce(t('published', { version: known }));
  };
  return { showVersion, onPublished };
}
