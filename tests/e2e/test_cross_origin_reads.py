"""Another site's page, in a real browser, reads the open data and cannot act as the signed-in reader."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages

pytestmark = pytest.mark.browser


class _PortalPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>Portal</title><p>Open data</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def portal() -> Iterator[str]:
    """Another origin (another port on this machine), as a civic-tech portal's site would be."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PortalPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_another_origin_reads_the_open_data_but_neither_with_cookies_nor_writing(pages: Pages, portal: str) -> None:
    parley = pages.base_url
    page = pages.new("citizen")
    page.goto(f"{portal}/")
    read = page.evaluate("""async (parley) => {
        const bill = await (await fetch(`${parley}/api/bills/1`)).json();
        const xml = await fetch(`${parley}${bill.expression_uri}.xml`);
        return {title: bill.title, xml: xml.headers.get('content-type'), etag: xml.headers.get('etag')};
    }""", parley)
    assert read["title"] and "xml" in read["xml"] and read["etag"]

    refused = page.evaluate("""async ([parley, bill]) => {
        const outcome = async (request) => { try { await request; return 'read'; } catch { return 'refused'; } };
        return {
            withCookies: await outcome(fetch(`${parley}/api/session`, {credentials: 'include'})),
            posting: await outcome(fetch(`${parley}/api/bills/${bill}/comments`, {
                method: 'POST', credentials: 'include', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({eid: 'part_1__sec_1', body: 'Posted from another site.'})})),
        };
    }""", [parley, DEMO_BILL])
    assert refused == {"withCookies": "refused", "posting": "refused"}
    # Nothing was posted in the signed-in citizen's name: the comment is in no list.
    comments = page.request.get(f"{parley}/api/bills/{DEMO_BILL}/comments").json()["comments"]
    assert all(c["body"] != "Posted from another site." for c in comments)
    # The browser reports each refused request on the console, as it should.
    pages.console_errors.clear()
