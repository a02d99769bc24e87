// The clerk's form on the bill page that opens a public consultation on the current version.
import { api } from '../lib/api.js';
import { h, say, t } from '../lib/dom.js';

/** A `datetime-local` value read as UTC (the form says its times are UTC), in the API's ISO 8601 form. */
export function utcTime(value) {
  if (!value) return '';
  return value.length === 16 ? `${value}:00Z` : `${value}Z`;
}

/** The guiding questions typed one a line; blank lines are not questions. */
export function questionsOf(text) {
  return text.split('\n').map((line) => line.trim()).filter(Boolean);
}

/** The control of `form` that a refusal blames first (`body.closes_at` is `closes_at`), else the opening time. */
export function fieldToFix(form, error) {
  for (const { field } of error?.fields ?? []) {
    const name = String(field ?? '').replace(/^body\./, '').replace(/\[.*$/, '');
    const control = name ? form.elements.namedItem(name) : null;
    if (control) return control;
  }
  return form.elements.namedItem('opens_at');
}

function shown(iso) {
  return iso.slice(0, 16).replace('T', ' ');
}

/** `onOpened(consultation)` is called once a consultation is opened, for the page to show what changed. */
export function start(form, bill, onOpened = () => {}) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const questions = questionsOf(form.querySelector('[name=questions]').value);
    const body = {
      opens_at: utcTime(form.querySelector('[name=opens_at]').value),
      closes_at: utcTime(form.querySelector('[name=closes_at]').value),
    };
    if (questions.length) body.questions = questions;
    try {
      const opened = await api('POST', `/api/bills/${bill}/consultations`, body);
      const span = t('consultation_window', { opens: shown(opened.opens_at), closes: shown(opened.closes_at) });
      document.getElementById('consultation-list')?.append(h('li', {}, `${span} (${t(`window_${opened.state}`)})`));
      // The message is a status region: shown and announced once (no second announcement through live-status).
      say('consultation-message', t('consultation_opened', { window: span }));
      form.reset();
      onOpened(opened);
    } catch (error) {
      // The API says what is wrong (overlap, closing before opening or already past); keep the focus where it
      // can be fixed.
      say('consultation-message', t('refused', { message: error.message }));
      fieldToFix(form, error)?.focus();
    }
  });
}
