// The moderation queue: a clerk hides (with a public reason) or restores each waiting comment.
import { api } from '../lib/api.js';
import { announce, say, t } from '../lib/dom.js';

export async function start() {
  for (const form of document.querySelectorAll('.moderation-form')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const item = form.closest('[data-comment]');
      const id = Number(item.dataset.comment);
      const action = event.submitter?.value ?? 'hide';
      const reason = form.querySelector('[name=reason]').value.trim();
      if (action === 'hide' && !reason) {
        say('moderation-message', t('reason_required'));
        form.querySelector('[name=reason]').focus();
        return;
      }
      try {
        await api('POST', `/api/comments/${id}/moderation`, { action, reason: reason || undefined });
        const done = t(action === 'hide' ? 'hidden_done' : 'restored_done', { id });
        say('moderation-message', done);
        announce(done);
        const next = item.nextElementSibling ?? item.previousElementSibling;
        item.remove();
        next?.querySelector('input')?.focus();
        if (!document.querySelector('.queued-comment')) say('moderation-message', `${done} ${t('queue_empty')}`);
      } catch (error) {
        say('moderation-message', t('refused', { message: error.message }));
      }
    });
  }
}
