// Other drafters' cursors and selections inside a CodeMirror editor, as decorations.
import { StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, WidgetType } from '@codemirror/view';

const PALETTE_SIZE = 8; // .peer-0 … .peer-7 in parley.css: dark colours, so white text stays readable

/** A stable colour class for a peer (classes, not inline styles: the site's CSP forbids those). */
export function peerClass(key) {
  let hash = 0;
  for (const character of String(key)) hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
  return `peer-${hash % PALETTE_SIZE}`;
}

class CursorWidget extends WidgetType {
  constructor(name, colour) {
    super();
    this.name = name;
    this.colour = colour;
  }

  eq(other) {
    return other.name === this.name && other.colour === this.colour;
  }

  toDOM() {
    const mark = document.createElement('span');
    mark.className = `remote-cursor ${this.colour}`;
    mark.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = 'remote-cursor-label';
    label.textContent = this.name;
    mark.append(label);
    return mark;
  }

  ignoreEvent() {
    return true;
  }
}

/** Replaces the peers shown: `[{key, name, anchor, head}]` in this editor's text positions. */
export const setPeers = StateEffect.define();

function decorationsFor(peers, length) {
  const ranges = [];
  for (const peer of peers) {
    const colour = peerClass(peer.key);
    const head = Math.max(0, Math.min(length, peer.head));
    const anchor = Math.max(0, Math.min(length, peer.anchor));
    if (anchor !== head) {
      const [from, to] = anchor < head ? [anchor, head] : [head, anchor];
      ranges.push(Decoration.mark({ class: `remote-selection ${colour}` }).range(from, to));
    }
    ranges.push(Decoration.widget({ widget: new CursorWidget(peer.name, colour), side: 1 }).range(head));
  }
  return Decoration.set(ranges, true);
}

/** The extension that draws peers; positions follow the text as it changes. */
export const remoteCursors = StateField.define({
  create: () => Decoration.none,
  update(value, transaction) {
    let next = value.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (effect.is(setPeers)) next = decorationsFor(effect.value, transaction.state.doc.length);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});
