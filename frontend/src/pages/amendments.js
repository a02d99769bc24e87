// Amendments: the member's composer (track changes, instruction preview, tabling), the list with each role's
// actions, the marshalled list and the clerk's consolidation.
import { api, apiPages } from '../lib/api.js';
import { announce, h, pageData, say, t } from '../lib/dom.js';
import { connect, followBill } from '../lib/socket.js';
import { changes, renderPieces, wordDiff } from '../amendments/trackchanges.js';

let bill;
let role;
let user;
let provisions = new Map();
let draft = null; // {id, key}: the draft made by the last preview, and what it was made from

function message(text) {
  say('amendments-message', text);
  announce(text);
}

function composerValues(form) {
  return {
    eid: form.eid.value,
    action: form.action.value,
    text: form.text.value,
    justification: form.justification.value,
    num: form.num.value || undefined,
    heading: form.heading.value || undefined,
  };
}

function setUpComposer() {
  const form = document.getElementById('composer');
  if (!form) return;
  const track = document.getElementById('track-changes');
  const tableButton = document.getElementById('table-amendment');
  const instruction = document.getElementById('instruction');
  const label = document.getElementById('composer-text-label');
  const base = () => (form.action.value === 'text' ? provisions.get(form.eid.value)?.text ?? '' : '');

  const showChanges = () => {
    const action = form.action.value;
    if (action === 'delete') {
      track.replaceChildren(...renderPieces([[-1, provisions.get(form.eid.value)?.text ?? '']]));
    } else {
      track.replaceChildren(...renderPieces(wordDiff(base(), form.text.value)));
    }
    const key = JSON.stringify(composerValues(form));
    tableButton.disabled = !draft || draft.key !== key;
  };
  const reset = () => {
    const action = form.action.value;
    for (const field of form.querySelectorAll('.new-provision')) field.hidden = action !== 'insert_after';
    form.text.disabled = action === 'delete';
    form.text.value = action === 'text' ? provisions.get(form.eid.value)?.text ?? '' : '';
    label.textContent = action === 'insert_after' ? t('new_text') : t('text_wanted');
    showChanges();
  };
  form.eid.addEventListener('change', reset);
  form.action.addEventListener('change', reset);
  form.addEventListener('input', (event) => {
    if (event.target !== form.eid && event.target !== form.action) showChanges();
  });
  form.addEventListener('submit', (event) => event.preventDefault());

  document.getElementById('preview-instruction').addEventListener('click', async () => {
    const values = composerValues(form);
    if (values.action === 'text' && !changes(wordDiff(base(), values.text))) {
      message(t('no_change'));
      return;
    }
    try {
      const previous = draft;
      const made = await api('POST', `/api/bills/${bill}/amendments`, values);
      draft = { id: made.id, key: JSON.stringify(values) };
      instruction.textContent = made.instruction;
      if (previous && previous.id !== made.id) {
        // The earlier preview was superseded: withdraw its draft so the list keeps only what is meant.
        await api('POST', `/api/amendments/${previous.id}/transitions`, { to: 'withdrawn' }).catch(() => {});
      }
      showChanges();
      announce(`${t('instruction')}: ${made.instruction}`);
      await refreshLists();
    } catch (error) {
      message(t('refused', { message: error.message }));
    }
  });

  tableButton.addEventListener('click', async () => {
    if (!draft) return;
    try {
      const tabled = await api('POST', `/api/amendments/${draft.id}/transitions`, { to: 'tabled' });
      draft = null;
      message(t('tabled', { number: tabled.number }));
      showChanges();
      await refreshLists();
    } catch (error) {
      message(t('refused', { message: error.message }));
    }
  });
  reset();
}

async function transition(amendment, to, extra = {}) {
  try {
    await api('POST', `/api/amendments/${amendment.id}/transitions`, { to, ...extra });
    message(`${t('amendment')} ${amendment.number ?? amendment.id}: ${t(`state_${to}`)}`);
    await refreshLists();
  } catch (error) {
    message(t('refused', { message: error.message }));
  }
}

function actionsFor(amendment) {
  const cells = [];
  const button = (text, onclick, kind = 'secondary') => h('button', { type: 'button', class: kind, onclick }, text);
  const id = amendment.id;
  if (role === 'mp' && amendment.proposer_id === user) {
    if (amendment.state === 'draft') cells.push(button(t('table'), () => transition(amendment, 'tabled'), ''));
    if (['draft', 'tabled', 'admissible'].includes(amendment.state)) {
      cells.push(button(t('withdraw'), () => transition(amendment, 'withdrawn')));
    }
  }
  if (role === 'clerk' || role === 'admin') {
    if (amendment.state === 'tabled') {
      const reason = h('input', { id: `reason-${id}`, autocomplete: 'off' });
      cells.push(button(t('admit'), () => transition(amendment, 'admissible'), ''));
      cells.push(h('label', { for: `reason-${id}` }, t('reason')), reason,
        button(t('rule_out'), () => transition(amendment, 'inadmissible', { reason: reason.value })));
    }
    if (amendment.state === 'admissible') {
      const number = (name, text) => [h('label', { for: `${name}-${id}` }, text),
        h('input', { id: `${name}-${id}`, type: 'number', min: 0, value: 0, inputmode: 'numeric' })];
      const inputs = [number('for', t('votes_for')), number('against', t('votes_against')), number('abstentions', t('abstentions'))];
      const votes = () => ({
        for: Number(document.getElementById(`for-${id}`).value),
        against: Number(document.getElementById(`against-${id}`).value),
        abstentions: Number(document.getElementById(`abstentions-${id}`).value),
      });
      cells.push(...inputs.flat(),
        button(t('adopt'), () => transition(amendment, 'adopted', { votes: votes() }), ''),
        button(t('reject'), () => transition(amendment, 'rejected', { votes: votes() })));
    }
  }
  return h('div', { class: 'amendment-actions' }, cells);
}

function stateText(amendment) {
  const votes = amendment.votes ? ` (${amendment.votes.for}–${amendment.votes.against})` : '';
  return `${t(`state_${amendment.state}`)}${votes}`;
}

let numbers = new Map(); // amendment id -> its number, for the conflicts a row names

/** How the list names amendment `id`: its number once tabled (as in the first column), else "(id)". */
function nameOf(id) {
  return numbers.get(id) ?? `(${id})`;
}

function table(amendments, withActions) {
  if (!amendments.length) return h('p', {}, t('no_amendments'));
  return h('table', { class: 'amendment-table' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('number_short')), h('th', { scope: 'col' }, t('state')),
      h('th', { scope: 'col' }, t('instruction')), withActions ? h('th', { scope: 'col' }, t('actions')) : null)),
    h('tbody', {}, amendments.map((amendment) => h('tr', { dataset: { amendment: amendment.id, state: amendment.state } },
      h('td', {}, h('a', { href: `/amendments/${amendment.id}` }, amendment.number ?? `(${amendment.id})`)),
      h('td', { class: 'state' }, stateText(amendment)),
      h('td', {}, h('span', { class: 'instruction' }, amendment.instruction),
        amendment.conflicts_with?.length ? h('p', { class: 'meta' }, t('conflicts_with', { ids: amendment.conflicts_with.map(nameOf).join(', ') })) : null,
        amendment.reason ? h('p', { class: 'meta' }, `${t('reason')}: ${amendment.reason}`) : null),
      withActions ? h('td', {}, actionsFor(amendment)) : null))));
}

async function refreshLists() {
  const [all, marshalled] = await Promise.all([
    apiPages(`/api/bills/${bill}/amendments`, ['amendments']),
    api('GET', `/api/bills/${bill}/amendments/marshalled`),
  ]);
  numbers = new Map(all.amendments.filter((a) => a.number != null).map((a) => [a.id, a.number]));
  const visible = all.amendments.filter((a) => a.state !== 'draft' || a.proposer_id === user);
  document.getElementById('amendment-list').replaceChildren(table(visible, Boolean(role)));
  const groups = marshalled.groups ?? [];
  document.getElementById('marshalled-list').replaceChildren(groups.length
    ? h('ol', { class: 'marshalled' }, groups.map((group) => h('li', { class: `marshalled-group${group.length > 1 ? ' conflicting' : ''}` },
      table(group, false))))
    : h('p', {}, t('empty_group')));
}

function setUpConsolidation() {
  const button = document.getElementById('consolidate');
  button?.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const published = await api('POST', `/api/bills/${bill}/versions`, { source: 'amendments' });
      message(t('published', { version: published.version }));
      await refreshLists();
    } catch (error) {
      message(t('refused', { message: error.message }));
    } finally {
      button.disabled = false;
    }
  });
}

export async function start() {
  bill = Number(document.body.dataset.bill);
  role = document.body.dataset.role;
  user = Number(document.body.dataset.user) || null;
  provisions = new Map(pageData('amendable-provisions', []).map((p) => [p.eid, p]));
  setUpComposer();
  setUpConsolidation();
  await refreshLists();
  followBill(connect(), bill, (event) => {
    if (event.type.startsWith('amendment') || event.type === 'version.published') refreshLists();
  });
}
