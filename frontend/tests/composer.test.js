import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proposal } from '../src/amendments/composer.js';

const typed = {
  eid: 'part_1__sec_1__subsec_2', text: 'Within sixty days.', justification: 'Longer.', num: '(4)', heading: 'Review',
};

test('changing the words sends no number or heading left from a new provision tried before', () => {
  assert.deepEqual(proposal({ ...typed, action: 'text' }), {
    eid: typed.eid, action: 'text', justification: 'Longer.', text: 'Within sixty days.',
  });
});

test('a new provision is sent with its number and heading', () => {
  assert.deepEqual(proposal({ ...typed, action: 'insert_after' }), {
    eid: typed.eid, action: 'insert_after', justification: 'Longer.', text: 'Within sixty days.', num: '(4)',
    heading: 'Review',
  });
  const unnumbered = proposal({ ...typed, action: 'insert_after', num: '', heading: '' });
  assert.equal('num' in unnumbered || 'heading' in unnumbered, false);
});

test('leaving a provision out sends no words, number or heading', () => {
  assert.deepEqual(proposal({ ...typed, action: 'delete' }), { eid: typed.eid, action: 'delete', justification: 'Longer.' });
});
