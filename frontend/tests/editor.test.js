import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nearest } from '../src/editor/layout.js';
import { stateKey } from '../src/editor/state.js';

test('the focus of a block that leaves goes to the nearest one that stays: after it, else before it', () => {
  const stays = (item) => !item.startsWith('gone');
  assert.equal(nearest(['a', 'gone', 'b'], 1, stays), 'b');
  assert.equal(nearest(['a', 'gone', 'gone2', 'b'], 1, stays), 'b');
  assert.equal(nearest(['a', 'b', 'gone'], 2, stays), 'b');
  assert.equal(nearest(['a', 'gone', 'gone2'], 2, stays), 'a');
  assert.equal(nearest(['gone'], 0, stays), null);
});

test('the state of the saving says offline whatever went wrong before, and signed out above all', () => {
  const problem = { message: 'Refused: …', typedSince: false };
  assert.equal(stateKey({ signedOut: false, connected: false, problem, settled: true }), 'offline');
  assert.equal(stateKey({ signedOut: false, connected: true, problem, settled: true }), 'error');
  assert.equal(stateKey({ signedOut: true, connected: false, problem, settled: false }), 'signed_out');
  assert.equal(stateKey({ signedOut: false, connected: true, problem: null, settled: true }), 'saved');
  assert.equal(stateKey({ signedOut: false, connected: true, problem: null, settled: false }), 'saving');
});
