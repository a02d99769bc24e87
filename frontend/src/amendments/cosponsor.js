// One amendment's page: a member of parliament other than its proposer puts their name to it as a co-sponsor.
import { api } from '../lib/api.js';
import { h, t } from '../lib/dom.js';

/** Shows the co-sponsors the API gives (`ids`, in order): the names the page has, and the member's own (`me`). */
function showCosponsors(ids, me) {
  const holder = document.getElementById('cosponsors');
  const known = new Map([...holder.querySelectorAll('li[data-user]')].map((item) => [Number(item.dataset.user), item]));
  known.set(me.id, h('li', { dataset: { user: me.id } }, h('a', { href: `/mps/${me.id}` }, me.name)));
  // Anyone who co-sponsored since the page was loaded is named when it is loaded again.
  holder.replaceChildren(h('ul', { class: 'names' }, ids.filter((id) => known.has(id)).map((id) => known.get(id))));
}

/** The "Co-sponsor this amendment" button, shown by this script (without it the button could do nothing). Once the
 * member's name stands on the amendment the button goes, and the focus goes to the status saying so. */
export function setUpCosponsoring() {
  const button = document.getElementById('cosponsor');
  if (!button) return;
  const status = document.getElementById('cosponsor-status');
  const amendment = Number(document.body.dataset.amendment);
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const supported = await api('POST', `/api/amendments/${amendment}/cosponsors`);
      showCosponsors(supported.cosponsor_ids, { id: Number(button.dataset.user), name: button.dataset.name });
      button.closest('p').remove();
      status.textContent = t('cosponsored');
      status.focus();
    } catch (error) {
      button.disabled = false;
      status.textContent = t('refused', { message: error.message });
      button.focus();
    }
  });
}
