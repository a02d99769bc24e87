"""``/api/docs``: a small self-contained page that reads ``/api/openapi.json`` and lists every operation.

No third-party script or stylesheet: the page carries its own, allowed by a per-response nonce in its
Content-Security-Policy (the site-wide policy forbids inline code).
"""

from __future__ import annotations

import secrets

from flask import Response

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
details{border:1px solid #ddd;border-radius:4px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:24rem}
.m{display:inline-block;min-width:4.2rem;font-weight:700}.get{color:#05668d}.post{color:#2d6a4f}
.delete{color:#9d0208}.patch{color:#7b2cbf}.lock{color:#666;font-size:.85em}
"""

_SCRIPT = """
const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
};
const pretty = (value) => el("pre", {}, JSON.stringify(value, null, 2));
fetch("/api/openapi.json").then((r) => r.json()).then((doc) => {
  const root = document.getElementById("operations");
  document.getElementById("intro").textContent = doc.info.description;
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ["other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([method, path, op]);
    }
  }
  for (const [tag, ops] of byTag) {
    root.append(el("h2", {}, tag));
    for (const [method, path, op] of ops) {
      const head = el("summary", {}, el("span", {class: "m " + method}, method.toUpperCase()), el("code", {}, path),
                      " — " + op.summary, op.security && op.security.some((s) => s.bearerAuth) ?
                      el("span", {class: "lock"}, "  (bearer token)") : "");
      const body = el("details", {}, head);
      if (op.description) body.append(el("p", {}, op.description));
      if (op.parameters) body.append(el("h4", {}, "Parameters"), pretty(op.parameters));
      if (op.requestBody) body.append(el("h4", {}, "Request body"), pretty(op.requestBody.content));
      body.append(el("h4", {}, "Responses"), pretty(op.responses));
      root.append(body);
    }
  }
}).catch((error) => { document.getElementById("intro").textContent = "Could not load the API description: " + error; });
"""


def docs_page() -> Response:
    """The page, with a fresh nonce for its own style and script."""
    nonce = secrets.token_urlsafe(16)
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Parley API</title>'
        f'<style nonce="{nonce}">{_STYLE}</style></head><body><h1>Parley API</h1>'
        '<p id="intro">Loading <a href="/api/openapi.json">/api/openapi.json</a>…</p><div id="operations"></div>'
        f'<script nonce="{nonce}">{_SCRIPT}</script></body></html>'
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return response
