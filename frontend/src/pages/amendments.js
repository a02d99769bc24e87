// Amendments: the member's composer (track changes, instruction preview, tabling), the list with each role's
// actions, the marshalled list and the clerk's consolidation; and on one amendment's page, co-sponsoring it.
import { api, apiPages } from '../lib/api.js';
import { announce, h, pageData, say, t } from '../lib/dom.js';
import { connect, followBill } from '../lib/socket.js';
import { proposal } from '../amendments/composer.js';
import { setUpCosponsoring } from '../amendments/cosponsor.js';
import { changes, renderPieces, wordDiff } from '../amendments/trackchanges.js';

let bill;
let role;
let user;
let version; // the version amendments are made to, as far as this page knows
let provisions = new Map();
let previewed = null; // {key, instruction}: what the last preview was made from, and its wording
let composer = null; // the member's composer, told when a new version replaces the text it amends

function message(text) {
  say('amendments-message', text);
  announce(text);
}

function composerValues(form) {
  return proposal({
    eid: form.eid.value,
    action: form.action.value,
    text: form.text.value,
    justification: form.justification.value,
    num: form.num.value,
    heading: form.heading.value,
  });
}

/** How the page names an amendment: by its order-paper number once tabled; before that it has none, and an id
 * would read as another amendment's number ("Amendment 4" for draft 4 beside the tabled Amendment 4). */
function titleOf(amendment) {
  return amendment.number != null
    ? `${t('amendment')} ${amendment.number}`
    : t('draft_amendment_to', { citation: amendment.citation });
}

function rowId(amendmentId) {
  return `amendment-row-${amendmentId}`;
}

/**
 * Gives the focus to amendment `id`'s row of the list, after an action whose button went away or was disabled
 * (as a posted comment takes it on the reader): never to the page's body, from where a keyboard or screen-reader
 * user would start again at the top. The message saying what was done has it when the row is not shown.
 */
function focusRow(id) {
  const target = document.getElementById(rowId(id)) ?? document.getElementById('amendments-message');
  target.setAttribute('tabindex', '-1');
  target.focus();
}

/** What a preview was made from: the values and the version, so a preview of an older version cannot be tabled. */
function previewKey(values) {
  return JSON.stringify({ ...values, version });
}

function provisionOptions(select, rows, chosen) {
  select.replaceChildren(...rows.map((p) => h('option', { value: p.eid }, `${'\u2003'.repeat(p.depth)}${p.label}`)));
  if (chosen) select.value = chosen;
}

function setUpComposer() {
  const form = document.getElementById('composer');
  if (!form) return;
  const track = document.getElementById('track-changes');
  const tableButton = document.getElementById('table-amendment');
  const saveButton = document.getElementById('save-draft');
  const instruction = document.getElementById('instruction');
  const noInstruction = instruction.textContent; // "Preview the instruction to see the formal wording."
  const label = document.getElementById('composer-text-label');
  const stale = document.getElementById('composer-stale');
  const base = () => (form.action.value === 'text' ? provisions.get(form.eid.value)?.text ?? '' : '');

  const showChanges = () => {
    const action = form.action.value;
    if (action === 'delete') {
      track.replaceChildren(...renderPieces([[-1, provisions.get(form.eid.value)?.text ?? '']]));
    } else {
      track.replaceChildren(...renderPieces(wordDiff(base(), form.text.value)));
    }
    // Only what the member has seen the wording of is kept: both buttons wait for a preview of these values.
    const current = Boolean(previewed) && previewed.key === previewKey(composerValues(form));
    tableButton.disabled = !current;
    saveButton.disabled = !current;
    // Back at the values of the last preview (after a refused one): its instruction is the one to table.
    if (current) instruction.textContent = previewed.instruction;
  };
  /** A preview refused: the instruction shown was made from other values, so it is not left on show as if it
   * were this one's. */
  const forgetPreview = () => {
    instruction.textContent = noInstruction;
  };
  const reset = () => {
    const action = form.action.value;
    stale.hidden = true; // the text is the provision's own again: nothing typed against an older one remains
    for (const field of form.querySelectorAll('.new-provision')) field.hidden = action !== 'insert_after';
    form.text.disabled = action === 'delete';
    form.text.value = action === 'text' ? provisions.get(form.eid.value)?.text ?? '' : '';
    // A new provision's number and heading belong to the new provision typed: another kind has none.
    form.num.value = '';
    form.heading.value = '';
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
      forgetPreview();
      message(t('no_change'));
      return;
    }
    try {
      // A preview stores nothing: the amendment is drafted only when the member saves or tables it.
      const made = await api('POST', `/api/bills/${bill}/amendments/preview`, values);
      previewed = { key: previewKey(values), instruction: made.instruction };
      instruction.textContent = made.instruction;
      say('amendments-message', ''); // an earlier refusal is answered by this preview
      showChanges();
      announce(`${t('instruction')}${t('colon')}${made.instruction}`);
    } catch (error) {
      forgetPreview();
      message(t('refused', { message: error.message }));
    }
  });

  document.getElementById('composer-restart').addEventListener('click', () => {
    reset();
    form.text.focus();
  });

  /** What the member has typed that a reset would throw away. */
  const typed = (oldBase) => {
    if (form.action.value === 'text') return form.text.value !== oldBase;
    if (form.action.value === 'insert_after') return Boolean(form.text.value || form.num.value || form.heading.value);
    return false; // leaving a provision out has no words of its own
  };

  composer = {
    /** A new version is published: amend its text from now on, and never drop what the member typed silently. */
    rebase(rows) {
      const before = provisions.get(form.eid.value);
      const hadTyped = typed(before?.text ?? '');
      provisions = new Map(rows.map((p) => [p.eid, p]));
      // Renumbering changes eIds; the wId stays, so the composer stays on the provision it was on.
      const after = rows.find((p) => before && p.wid === before.wid) ?? null;
      provisionOptions(form.eid, rows, after?.eid ?? rows[0]?.eid);
      const changed = !after || (form.action.value !== 'insert_after' && after.text !== before.text);
      if (!hadTyped) {
        reset();
      } else if (changed) {
        // Their words are kept; the track changes below now compare them with the new text, so the member
        // sees what tabling them would do to it (it could undo what was just adopted).
        document.getElementById('composer-stale-text').textContent = t(after ? 'base_changed' : 'base_gone', { version });
        document.getElementById('composer-restart').textContent = t('start_again', { version });
        stale.hidden = false;
        showChanges();
      } else {
        showChanges();
      }
      const outdated = Boolean(previewed) && previewed.key !== previewKey(composerValues(form));
      if (outdated) {
        // Its wording cites the old version's text: not left on show beside the new one's changes.
        previewed = null;
        forgetPreview();
      }
      if (!stale.hidden) {
        say('amendments-message', ''); // the notice above the composer says it all; an older message would not
      } else if (outdated) {
        message(t('preview_again', { version })); // the preview was made against the old version
      } else {
        announce(t('made_to', { version }));
      }
    },
  };

  /** Drafts the previewed amendment; tables it too when `table`. */
  const keep = async (table) => {
    if (!previewed) return;
    let made;
    try {
      made = await api('POST', `/api/bills/${bill}/amendments`, composerValues(form));
    } catch (error) {
      message(t('refused', { message: error.message }));
      return;
    }
    previewed = null;
    showChanges(); // disables both buttons, one of which had the focus
    if (!table) {
      message(t('draft_saved', { citation: made.citation }));
    } else {
      try {
        const tabled = await api('POST', `/api/amendments/${made.id}/transitions`, { to: 'tabled' });
        message(t('tabled', { number: tabled.number }));
      } catch (error) {
        // The draft is kept: the list offers to table it again once whatever refused it is settled.
        message(t('saved_not_tabled', { message: error.message }));
      }
    }
    await refreshLists();
    focusRow(made.id);
  };
  tableButton.addEventListener('click', () => keep(true));
  saveButton.addEventListener('click', () => keep(false));
  reset();
}

async function transition(amendment, to, extra = {}) {
  try {
    const changed = await api('POST', `/api/amendments/${amendment.id}/transitions`, { to, ...extra });
    message(`${titleOf(changed)}: ${t(`state_${to}`)}`);
    await refreshLists(); // the row is rebuilt with the actions of its new state: the button pressed is gone
    focusRow(amendment.id);
  } catch (error) {
    message(t('refused', { message: error.message }));
  }
}

function actionsFor(amendment) {
  const cells = [];
  const id = amendment.id;
  // Every row has the same buttons and fields: each is named after the amendment it acts on ("Adopt amendment 3"),
  // or a screen-reader user listing them would hear "Adopt, Reject, Adopt…" and not know which is which.
  const named = (key) => t(key, { name: nameOf(id) });
  const button = (text, label, onclick, kind = 'secondary') => h('button', {
    type: 'button', class: kind, 'aria-label': named(label), onclick,
  }, text);
  // An amendment defeated by an adopted one can no longer be tabled or voted on: it is withdrawn, or the clerk
  // records that it has fallen (server/services/amendments.py refuses anything else).
  const defeated = amendment.defeated_by != null && OPEN_STATES.has(amendment.state);
  // One the latest version has outdated can no longer be adopted: it is withdrawn, ruled out, or recorded as fallen.
  const outdated = Boolean(amendment.outdated) && OPEN_STATES.has(amendment.state);
  if (role === 'mp' && amendment.proposer_id === user) {
    if (amendment.state === 'draft' && !defeated) {
      cells.push(button(t('table'), 'table_named', () => transition(amendment, 'tabled'), ''));
    }
    if (['draft', 'tabled', 'admissible'].includes(amendment.state)) {
      cells.push(button(t('withdraw'), 'withdraw_named', () => {
        // Withdrawing is final, and its button stands beside Table.
        if (window.confirm(t('confirm_withdraw', { name: nameOf(id) }))) transition(amendment, 'withdrawn');
      }));
    }
  }
  if ((role === 'clerk' || role === 'admin') && (defeated || (outdated && amendment.state === 'admissible'))) {
    if (amendment.state !== 'draft') {
      cells.push(button(t('confirm_fallen'), 'fallen_named', () => transition(amendment, 'fallen'), ''));
    }
  } else if (role === 'clerk' || role === 'admin') {
    if (amendment.state === 'tabled') {
      if (outdated) cells.push(button(t('confirm_fallen'), 'fallen_named', () => transition(amendment, 'fallen'), ''));
      const reason = h('input', { id: `reason-${id}`, autocomplete: 'off', 'aria-label': named('reason_named') });
      cells.push(button(t('admit'), 'admit_named', () => transition(amendment, 'admissible'), ''));
      cells.push(h('label', { for: `reason-${id}` }, t('reason')), reason,
        button(t('rule_out'), 'rule_out_named', () => {
          // The ruling is published with its reason: asked for here, in the clerk's words, not the API's.
          if (!reason.value.trim()) {
            message(t('reason_needed'));
            reason.focus();
            return;
          }
          transition(amendment, 'inadmissible', { reason: reason.value });
        }));
    }
    if (amendment.state === 'admissible') {
      const number = (name, text, label) => [h('label', { for: `${name}-${id}` }, text),
        h('input', { id: `${name}-${id}`, type: 'number', min: 0, value: 0, inputmode: 'numeric', 'aria-label': named(label) })];
      const inputs = [number('for', t('votes_for'), 'votes_for_named'), number('against', t('votes_against'), 'votes_against_named'),
        number('abstentions', t('abstentions'), 'abstentions_named')];
      // The counts, or null once the clerk is told which one is not a count: said in the words of its label,
      // not the API's ("body.votes.for: for must be at least 0").
      const votes = () => {
        const counted = {};
        for (const [name, refusal] of [['for', 'votes_for_whole'], ['against', 'votes_against_whole'],
          ['abstentions', 'abstentions_whole']]) {
          const input = document.getElementById(`${name}-${id}`);
          const value = input.value.trim() === '' ? NaN : Number(input.value);
          if (!Number.isInteger(value) || value < 0) {
            message(t(refusal));
            input.focus();
            return null;
          }
          counted[name] = value;
        }
        return counted;
      };
      const decide = (to) => {
        const counted = votes();
        if (counted) transition(amendment, to, { votes: counted });
      };
      cells.push(...inputs.flat(),
        button(t('adopt'), 'adopt_named', () => decide('adopted'), ''),
        button(t('reject'), 'reject_named', () => decide('rejected')));
    }
  }
  return h('div', { class: 'amendment-actions' }, cells);
}

function stateText(amendment) {
  const votes = amendment.votes ? ` (${amendment.votes.for}–${amendment.votes.against})` : '';
  return `${t(`state_${amendment.state}`)}${votes}`;
}

let numbers = new Map(); // amendment id -> its number, for the conflicts a row names
let shown = new Set(); // ids of the amendments this reader's list shows (not other members' drafts)

// The open states of server/domain/amendments.py (OPEN_STATES): a defeated amendment in one of them can only fall.
const OPEN_STATES = new Set(['draft', 'tabled', 'admissible']);
const ACTING_ROLES = new Set(['mp', 'clerk', 'admin']);

/**
 * The amendments that `amendment` still conflicts with (the server's `live_conflicts`: both still in play), among
 * those this reader can find in the list: another member's draft is not shown, so it is not named either.
 */
function liveConflicts(amendment) {
  return (amendment.live_conflicts ?? []).filter((id) => shown.has(id));
}

/** How the list names amendment `id`: its number once tabled (as in the first column), else as a draft. */
function nameOf(id) {
  return numbers.has(id) ? String(numbers.get(id)) : t('draft_ref', { id });
}

/**
 * The amendments as a table; `list` is the page's list of all amendments (its rows have ids, for the focus), else
 * the marshalled list. Under 40rem the style sheet stacks each row as a card, its cells named by their column
 * (`data-label`): the explicit roles keep it a table for assistive technology once its display is changed.
 */
function table(amendments, { withActions = false, list = false } = {}) {
  if (!amendments.length) return h('p', {}, t('no_amendments'));
  const conflicts = (amendment) => {
    const ids = liveConflicts(amendment);
    return ids.length ? h('p', { class: 'meta' }, t('conflicts_with', { ids: ids.map(nameOf).join(', ') })) : null;
  };
  const defeat = (amendment) => (amendment.defeated_by != null && OPEN_STATES.has(amendment.state)
    ? h('p', { class: 'meta defeated' }, t('defeated_by', { name: nameOf(amendment.defeated_by) }))
    : null);
  const column = (key) => h('th', { scope: 'col', role: 'columnheader' }, t(key));
  const cell = (key, attributes, ...content) => h('td', { role: 'cell', 'data-label': t(key), ...attributes }, ...content);
  return h('table', { class: 'amendment-table', role: 'table' },
    h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' },
      column('number_short'), column('state'), column('instruction'), withActions ? column('actions') : null)),
    h('tbody', { role: 'rowgroup' }, amendments.map((amendment) => h('tr', {
      role: 'row', id: list ? rowId(amendment.id) : null, dataset: { amendment: amendment.id, state: amendment.state },
    },
    cell('number_short', {}, h('a', { href: `/amendments/${amendment.id}` },
      amendment.number != null ? String(amendment.number) : t('draft_ref', { id: amendment.id }))),
    cell('state', { class: 'state' }, stateText(amendment)),
    cell('instruction', {}, h('span', { class: 'instruction' }, amendment.instruction),
      defeat(amendment),
      amendment.outdated && OPEN_STATES.has(amendment.state)
        ? h('p', { class: 'meta outdated' }, t('outdated', { problem: amendment.outdated })) : null,
      conflicts(amendment),
      amendment.reason ? h('p', { class: 'meta' }, `${t('reason')}${t('colon')}${amendment.reason}`) : null),
    withActions ? cell('actions', {}, actionsFor(amendment)) : null))));
}

async function refreshLists() {
  const [all, marshalled] = await Promise.all([
    apiPages(`/api/bills/${bill}/amendments`, ['amendments']),
    api('GET', `/api/bills/${bill}/amendments/marshalled`),
  ]);
  numbers = new Map(all.amendments.filter((a) => a.number != null).map((a) => [a.id, a.number]));
  // The API lists the drafts this reader may know of (their own, those they co-sponsor; every draft for clerks).
  const visible = all.amendments;
  shown = new Set(visible.map((a) => a.id));
  const list = document.getElementById('amendment-list');
  // A refresh (a colleague's amendment, this one's own event) must not wipe what the clerk is typing in a row:
  // vote counts, a reason. Values and focus go over to the rebuilt rows by their ids.
  const typed = new Map([...list.querySelectorAll('input[id]')].map((input) => [input.id, input.value]));
  const focused = list.contains(document.activeElement) ? document.activeElement.id : '';
  // Members and clerks act on amendments; for anyone else an Actions column would stand empty.
  list.replaceChildren(table(visible, { withActions: ACTING_ROLES.has(role), list: true }));
  for (const [id, value] of typed) {
    const input = document.getElementById(id);
    if (input && list.contains(input)) input.value = value;
  }
  const again = focused ? document.getElementById(focused) : null;
  if (again && list.contains(again)) {
    if (again.tagName === 'TR') again.setAttribute('tabindex', '-1'); // a row the focus was given to, as before
    again.focus({ preventScroll: true });
  }
  const groups = marshalled.groups ?? [];
  document.getElementById('marshalled-list').replaceChildren(groups.length
    ? h('ol', { class: 'marshalled' }, groups.map((group) => h('li', { class: `marshalled-group${group.length > 1 ? ' conflicting' : ''}` },
      table(group))))
    : h('p', {}, t('empty_group')));
}

function setUpConsolidation() {
  const button = document.getElementById('consolidate');
  button?.addEventListener('click', async () => {
    button.disabled = true; // the focus leaves a disabled button: it is given back below
    try {
      const published = await api('POST', `/api/bills/${bill}/versions`, { source: 'amendments' });
      message(t('published', { version: published.version }));
      followVersion();
      await refreshLists();
    } catch (error) {
      message(t('refused', { message: error.message }));
    } finally {
      button.disabled = false;
      if (document.activeElement === document.body || document.activeElement === button) button.focus();
    }
  });
}

/** Brings the page to the bill's latest version, if one was published since it was loaded. */
async function checkVersion() {
  const latest = await api('GET', `/bills/${bill}/amendments/base`);
  if (latest.version === version) return;
  version = latest.version;
  document.body.dataset.version = String(version);
  say('amendment-base', t('made_to', { version }));
  if (composer) composer.rebase(latest.provisions);
  else provisions = new Map(latest.provisions.map((p) => [p.eid, p]));
}

let versionCheck = Promise.resolve();

/** Checks for a new version, one check at a time (a consolidation sends two events, a reconnection a third). */
function followVersion() {
  // A failed check is retried by the next event or reconnection; the page keeps what it has meanwhile.
  versionCheck = versionCheck.then(checkVersion).catch(() => {});
  return versionCheck;
}

export async function start() {
  if (document.body.dataset.amendment) {
    setUpCosponsoring(); // one amendment's page
    return;
  }
  bill = Number(document.body.dataset.bill);
  version = Number(document.body.dataset.version);
  role = document.body.dataset.role;
  user = Number(document.body.dataset.user) || null;
  provisions = new Map(pageData('amendable-provisions', []).map((p) => [p.eid, p]));
  setUpComposer();
  setUpConsolidation();
  await refreshLists();
  let joined = false;
  followBill(connect(), bill, (event) => {
    if (event.type === 'version.published' || event.type === 'amendments.consolidated') followVersion();
    if (event.type.startsWith('amendment') || event.type === 'version.published') refreshLists();
  }, () => {
    // Joining hears only what happens from now on: catch up with a version published before the socket joined
    // (or while it was reconnecting), and after a reconnection with the decisions taken meanwhile.
    followVersion();
    if (joined) refreshLists();
    joined = true;
  });
}
