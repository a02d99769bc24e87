// The clerk's consultation form: what it sends the API from what the clerk typed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldToFix, questionsOf, utcTime } from '../src/pages/consultation-form.js';

test('a datetime-local value is sent as a UTC time, with or without seconds', () => {
  assert.equal(utcTime('2030-01-02T09:30'), '2030-01-02T09:30:00Z');
  assert.equal(utcTime('2030-01-02T09:30:15'), '2030-01-02T09:30:15Z');
  assert.equal(utcTime(''), '');
});

test('guiding questions are the lines typed, trimmed, blank lines left out', () => {
  assert.deepEqual(questionsOf(' Is thirty days enough? \n\n  Who is told?\n'), ['Is thirty days enough?', 'Who is told?']);
  assert.deepEqual(questionsOf(''), []);
});

test('a refusal puts the focus on the field it blames, else on the opening time', () => {
  const controls = { opens_at: 'opens', closes_at: 'closes', questions: 'questions' };
  const form = { elements: { namedItem: (name) => controls[name] ?? null } };
  const blaming = (...fields) => ({ fields: fields.map((field) => ({ field, message: 'wrong' })) });
  assert.equal(fieldToFix(form, blaming('body.closes_at')), 'closes');
  assert.equal(fieldToFix(form, blaming('body.questions[0]')), 'questions');
  assert.equal(fieldToFix(form, blaming('body.elsewhere', 'body.closes_at')), 'closes');
  assert.equal(fieldToFix(form, { fields: [] }), 'opens', 'an overlap blames no one field');
  assert.equal(fieldToFix(form, new Error('offline')), 'opens');
});
