"""The scale-out deployment as docs/deploy.md describes it, run for real behind nginx.

Two `gunicorn -c deploy/gunicorn.conf.py` processes on PostgreSQL, joined by Redis, in production settings, behind
a real nginx running the site file that `deploy/nginx_site.py` renders from deploy/nginx.conf (TLS with a
certificate made here). Every client talks to nginx only, except the one that proves the Redis queue.

ip_hash keys on the first three octets of the client's address, so clients from one address would all land on one
process and prove nothing about stickiness. Each client here connects from its own 127.0.N.1 (all loopback), as
citizens on different networks would: they spread over both processes, and each must stay on its own.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from requests.adapters import HTTPAdapter

from config.settings import BaseConfig
from server.client.connection import socketio_client
from server.domain import textpatch
from tests.server.conftest import _truncate_postgres
from tests.server.drafting.conftest import Watcher
from tests.server.processes import ROOT, GunicornProcess, free_port, seed_drafting

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

EID = "part_1__sec_1"
FIRST_TEXT = "This Act may be cited as the Test Act, 2026."
SIGNUP_LIMIT = 3
# An address's citizens' writes a minute, in the application (COMMENT_LIMIT_PER_ADDRESS) and in nginx alike.
WRITES_PER_ADDRESS = 12
# Each client's own address: the third octet differs, since ip_hash ignores the fourth.
ADDRESSES = [f"127.0.{n}.1" for n in range(1, 5)]


def _nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("nginx must be installed in CI (.ci/run installs Debian's package)")
    pytest.skip("nginx is not installed (Debian: apt-get install nginx); the deployment test needs a real one")


def _require_redis() -> None:
    try:
        if redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping():
            return
    except redis.RedisError:
        pass
    if os.environ.get("CI") == "true":
        pytest.fail("Redis must answer on 127.0.0.1:6379 in CI")
    pytest.skip("Redis is not running on 127.0.0.1:6379")


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that the clients trust as their only authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def render_site(upstreams: list[str], https_port: int, http_port: int, cert: Path, key: Path, out: Path) -> str:
    """The site file, made by the same command a deployer runs."""
    subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "nginx_site.py"), "--server-name", "127.0.0.1",
         *[arg for upstream in upstreams for arg in ("--upstream", upstream)],
         "--https-listen", f"127.0.0.1:{https_port}", "--http-listen", f"127.0.0.1:{http_port}",
         "--certificate", str(cert), "--certificate-key", str(key),
         "--citizen-writes-per-minute", str(WRITES_PER_ADDRESS), "--output", str(out)],
        check=True, cwd=ROOT,
    )
    return out.read_text()


@dataclass
class LogLine:
    address: str
    upstream: str
    status: int
    method: str
    uri: str


class Nginx:
    """nginx as the current user: its own prefix, a main file that includes the site file, in the foreground.

    The main file stands for the distribution's /etc/nginx/nginx.conf: paths of this prefix, and an access log
    that names the process (upstream) each request went to.
    """

    def __init__(self, prefix: Path, site: str, https_port: int) -> None:
        self.prefix = prefix
        self.https_port = https_port
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "parley.conf").write_text(site)
        # Workers of a master started by root would run as nobody, who cannot enter pytest's private tmp dirs.
        user = pwd.getpwuid(os.geteuid()).pw_name
        temp = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(
            f"daemon off;\nworker_processes 1;\n{'user ' + user + ';' if os.geteuid() == 0 else ''}\n"
            f"pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} notice;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    log_format routing '$remote_addr $upstream_addr $status $request_method \"$request_uri\"';\n"
            f"    access_log {prefix / 'access.log'} routing;\n{temp}\n"
            f"    include {prefix / 'parley.conf'};\n"
            "}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> Nginx:
        log = (self.prefix / "stderr.log").open("ab")
        self.process = subprocess.Popen(
            [_nginx_binary(), "-p", str(self.prefix), "-c", str(self.conf), "-e", str(self.prefix / "error.log")],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.errors()}")
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen within {timeout} s: {self.errors()}")

    def errors(self) -> str:
        return "".join((self.prefix / name).read_text()[-3000:] for name in ("stderr.log", "error.log")
                       if (self.prefix / name).exists())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: open WebSockets are closed, not cut
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> list[LogLine]:
        path = self.prefix / "access.log"
        lines = []
        for raw in path.read_text().splitlines() if path.exists() else []:
            address, upstream, status, method, uri = raw.split(" ", 4)
            lines.append(LogLine(address, upstream, int(status), method, uri.strip('"')))
        return lines

    def wait_for_log(self, predicate: Callable[[list[LogLine]], bool], timeout: float = 15) -> list[LogLine]:
        """Requests are logged when they end (a WebSocket when it closes)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.log()
            if predicate(lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.1)


class _FromAddress(HTTPAdapter):
    """Opens every connection from one local address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Site:
    """The running deployment and what the tests need to reach it."""

    nginx: Nginx
    processes: list[GunicornProcess]
    url: str
    http_url: str
    ca: Path
    ca_key: Path
    site_conf: str
    tokens: dict[str, str]
    bill: int
    tmp: Path
    database_url: str
    rev: list[int] = field(default_factory=lambda: [0])
    text: list[str] = field(default_factory=lambda: [FIRST_TEXT])

    def http(self, address: str) -> requests.Session:
        session = requests.Session()
        # Only this certificate: REQUESTS_CA_BUNDLE and proxy variables of the environment would override it.
        session.trust_env = False
        session.verify = str(self.ca)
        session.mount("https://", _FromAddress(address))
        session.mount("http://", _FromAddress(address))
        return session

    def upstream_of(self, address: str) -> str:
        """The process nginx sent this address's requests to (all of them: asserted here)."""
        upstreams = {line.upstream for line in self.nginx.log() if line.address == address}
        assert len(upstreams) == 1, f"{address} reached {upstreams}"
        return upstreams.pop()

    def process_at(self, upstream: str) -> GunicornProcess:
        return next(p for p in self.processes if upstream == f"127.0.0.1:{p.port}")


class ProxiedClient(Watcher):
    """A python-socketio client with its default transports (polling, then WebSocket), from its own address."""

    def __init__(self, site: Site, address: str, token: str | None = None) -> None:
        self.address = address
        # The WebSocket must leave from the same address as the polling requests; websocket-client takes a
        # ready socket, so this one is opened (and wrapped in TLS) here.
        raw = socket.create_connection(("127.0.0.1", site.nginx.https_port), timeout=10,
                                       source_address=(address, 0))
        self._websocket = ssl.create_default_context(cafile=str(site.ca)).wrap_socket(
            raw, server_hostname="127.0.0.1")
        self._attach(socketio_client(reconnection=False, http_session=site.http(address),
                                     websocket_extra_options={"socket": self._websocket}))
        self.client.connect(site.url, auth={"token": token} if token else None, wait_timeout=15)

    @property
    def sid(self) -> str:
        return str(self.client.eio.sid)

    def call(self, event: str, data: dict[str, Any], timeout: float = 15) -> dict[str, Any]:
        return super().call(event, data, timeout)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> bool:
        return super().wait_for(predicate, timeout)

    def close(self) -> None:
        super().close()
        self._websocket.close()


@pytest.fixture(scope="module")
def site(postgres_schema_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _nginx_binary()
    _require_redis()
    tmp = tmp_path_factory.mktemp("nginx-deployment")
    _truncate_postgres(postgres_schema_url)
    tokens, bill = seed_drafting(postgres_schema_url)
    https_port, http_port = free_port(), free_port()
    ports = [free_port(), free_port()]
    run = uuid.uuid4().hex
    # What a deployer puts in /etc/parley/parley.env (docs/deploy.md), with this machine's ports.
    env = {
        "PARLEY_ENV": "production",
        "DATABASE_URL": postgres_schema_url,
        "SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0",
        "SOCKETIO_CHANNEL": f"parley-nginx-{run}",
        "SECRET_KEY": "shared-by-both-processes",
        "PARLEY_INSTANCE_PATH": str(tmp / "instance"),
        "PARLEY_AUDIT_KEY_PATH": str(tmp / "instance" / "audit.pem"),
        "SESSION_COOKIE_SECURE": "true",
        "PROXY_HOPS": "1",
        # The public origin, and the processes' own for the client that goes around nginx.
        "ALLOWED_ORIGINS": ",".join([f"https://127.0.0.1:{https_port}", *(f"http://127.0.0.1:{p}" for p in ports)]),
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_KEY_PREFIX": f"parley-nginx-{run}",
        "SIGNUP_LIMIT_PER_ADDRESS": f"{SIGNUP_LIMIT}/hour",
        "COMMENT_LIMIT_PER_ADDRESS": f"{WRITES_PER_ADDRESS}/minute",
        "GUNICORN_THREADS": "50",
    }
    processes = [GunicornProcess(env, tmp / f"gunicorn-{port}.log", port) for port in ports]
    cert, key = _self_signed_certificate(tmp)
    conf = render_site([f"127.0.0.1:{p}" for p in ports], https_port, http_port, cert, key, tmp / "parley.conf")
    nginx = Nginx(tmp / "nginx", conf, https_port)
    try:
        for process in processes:
            process.launch()
        for process in processes:
            process.wait_until_ready(timeout=90)
        nginx.start()
        yield Site(nginx, processes, f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", cert,
                   key, conf, tokens, bill, tmp, postgres_schema_url)
    finally:
        nginx.stop()
        for process in processes:
            if process.process is not None and process.process.poll() is None:
                process.process.terminate()  # all at once: each waits for its threads to finish
        for process in processes:
            process.stop()


def _edit(site: Site, client: ProxiedClient | Watcher, words: str) -> dict[str, Any]:
    old, new = site.text[0], site.text[0] + " " + words
    ack = client.call("edit", {"bill": site.bill, "eid": EID, "rev": site.rev[0], "op_id": uuid.uuid4().hex,
                               "patch": textpatch.make_patch(old, new)})
    assert ack["ok"], ack
    site.text[0], site.rev[0] = new, ack["rev"]
    return ack


def test_clients_upgrade_to_websocket_and_every_request_stays_on_one_process(site: Site) -> None:
    clients = [ProxiedClient(site, address, site.tokens["mp"]) for address in ADDRESSES]
    try:
        for client in clients:
            assert client.call("join", {"bill": site.bill, "since": None})["ok"]
            assert client.client.transport() == "websocket"
        sids = {client.address: client.sid for client in clients}
    finally:
        for client in clients:
            client.close()
    lines = site.nginx.wait_for_log(lambda lines: all(
        any(line.address == a and line.status == 101 for line in lines) for a in ADDRESSES))
    upstreams = {}
    for address in ADDRESSES:
        own = [line for line in lines if line.address == address]
        assert {line.status for line in own} <= {101, 200}, own
        assert {line.upstream for line in own} and len({line.upstream for line in own}) == 1, own
        upstreams[address] = own[0].upstream
        # The polling handshake made the session; the upgrade carrying its sid found it on the same process.
        assert "transport=polling" in own[0].uri and "sid=" not in own[0].uri
        upgrades = [line for line in own if line.status == 101]
        assert len(upgrades) == 1 and "transport=websocket" in upgrades[0].uri
        assert f"sid={sids[address]}&" in upgrades[0].uri + "&"
    # The clients were spread over both processes, so staying on one was not a matter of there being one.
    assert set(upstreams.values()) == {f"127.0.0.1:{p.port}" for p in site.processes}


def _polling_round_trips(http: requests.Session, url: str, bill: int, rounds: int) -> list[tuple[int, str]]:
    """A client whose WebSocket is blocked: Engine.IO long-polling by hand, stopping at the first refusal."""
    answers: list[tuple[int, str]] = []

    def ask(method: str, query: str, body: str | None = None) -> requests.Response:
        response = http.request(method, f"{url}/socket.io/?EIO=4&transport=polling{query}", data=body, timeout=10)
        answers.append((response.status_code, response.text))
        return response

    opened = ask("GET", "")
    sid = json.loads(opened.text[1:])["sid"]
    if ask("POST", f"&sid={sid}", "40").status_code != 200:
        return answers
    for n in range(rounds):
        if ask("POST", f"&sid={sid}", f'42{n}["join",{{"bill":{bill},"since":null,"provisions":false}}]') \
                .status_code != 200:
            return answers
        # The answer may share a poll with the connect ack or a presence event; poll until it comes.
        while not any(p.startswith(f"43{n}[") for _, text in answers for p in text.split("\x1e")):
            if ask("GET", f"&sid={sid}").status_code != 200:
                return answers
    return answers


def test_a_polling_only_session_keeps_reaching_the_process_that_holds_it(site: Site) -> None:
    answers = _polling_round_trips(site.http(ADDRESSES[0]), site.url, site.bill, rounds=10)
    assert [status for status, _ in answers] == [200] * len(answers)
    assert all(any(p.startswith(f"43{n}[") for _, t in answers for p in t.split("\x1e")) for n in range(10))


def test_without_ip_hash_the_same_polling_session_is_refused(site: Site) -> None:
    # The control: the deployer's file with its balancing method removed falls back to round robin.
    https_port, http_port = free_port(), free_port()
    upstreams = [f"127.0.0.1:{p.port}" for p in site.processes]
    conf = render_site(upstreams, https_port, http_port, site.ca, site.ca_key, site.tmp / "rr.conf")
    assert conf.count("    ip_hash;\n") == 1
    nginx = Nginx(site.tmp / "nginx-round-robin", conf.replace("    ip_hash;\n", ""), https_port).start()
    try:
        answers = _polling_round_trips(site.http(ADDRESSES[0]), f"https://127.0.0.1:{https_port}", site.bill, 10)
    finally:
        nginx.stop()
    assert answers[-1][0] == 400 and "Invalid session" in answers[-1][1], answers


def test_an_edit_through_nginx_reaches_clients_on_both_processes(site: Site) -> None:
    author = ProxiedClient(site, ADDRESSES[0], site.tokens["drafter"])
    reader = ProxiedClient(site, ADDRESSES[1], site.tokens["mp"])
    direct: Watcher | None = None
    try:
        author_process = site.process_at(site.upstream_of(ADDRESSES[0]))
        assert site.upstream_of(ADDRESSES[1]) != site.upstream_of(ADDRESSES[0])
        # Straight to the process the author is not on: only the Redis queue can bring it the edit.
        other = next(p for p in site.processes if p is not author_process)
        direct = Watcher(other.url, site.tokens["drafter2"])
        for client in (author, reader, direct):
            assert client.call("join", {"bill": site.bill, "since": None})["ok"]
        ack = _edit(site, author, "Proxied.")
        assert reader.wait_for(lambda: any(e["id"] == ack["event_id"] for e in reader.events))
        assert direct.wait_for(lambda: any(e["id"] == ack["event_id"] for e in direct.events))
        # And back: an edit made on the other process reaches the author through nginx.
        ack2 = _edit(site, direct, "Direct.")
        assert author.wait_for(lambda: any(e["id"] == ack2["event_id"] for e in author.events))
        body = site.http(ADDRESSES[2]).get(f"{site.url}/api/bills/{site.bill}/provisions/{EID}", timeout=10).json()
        assert (body["text"], body["rev"]) == (site.text[0], site.rev[0])
    finally:
        author.close()
        reader.close()
        if direct is not None:
            direct.close()


SECURITY_HEADERS = ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                    "Strict-Transport-Security"]


def test_pages_api_and_static_files_keep_the_applications_headers(site: Site) -> None:
    http = site.http(ADDRESSES[0])
    process = site.processes[0]
    for path in ("/healthz", f"/api/bills/{site.bill}", "/static/css/parley.css", f"/bills/{site.bill}"):
        proxied = http.get(site.url + path, timeout=10)
        straight = requests.get(process.url + path, timeout=10)
        assert proxied.status_code == straight.status_code == 200, (path, proxied.text[:300])
        assert proxied.content == straight.content or path == f"/bills/{site.bill}"
        for name in SECURITY_HEADERS:
            assert proxied.headers.get(name) == straight.headers.get(name), (path, name)
        assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
        assert proxied.headers["Content-Type"] == straight.headers["Content-Type"]
        assert proxied.headers["Server"] == "nginx"  # no version: server_tokens off
    assert http.get(f"{site.url}/healthz", timeout=10).json()["database"] == "postgresql"

    # Static files are revalidated through the proxy.
    css = http.get(f"{site.url}/static/css/parley.css", timeout=10)
    assert css.content == (ROOT / "frontend" / "static" / "css" / "parley.css").read_bytes()
    again = http.get(f"{site.url}/static/css/parley.css", headers={"If-None-Match": css.headers["ETag"]},
                     timeout=10)
    assert again.status_code == 304

    # X-Forwarded-Proto and -Port: the page's canonical address is the public one, not the process's.
    page = http.get(f"{site.url}/bills/{site.bill}", timeout=10).text
    assert f'<link rel="canonical" href="{site.url}/bills/{site.bill}">' in page

    # A browser's sign-in: the CSRF check of an HTTPS form compares the Referer with the public host and port,
    # and the session cookie comes back Secure.
    form = http.get(f"{site.url}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    cookie = form.headers["Set-Cookie"]
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}, cookie
    signed_in = http.post(f"{site.url}/login", data={"csrf_token": token.group(1), "username": "drafter",
                                                      "password": "correct-horse"},
                          headers={"Referer": f"{site.url}/login"}, allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert "Secure" in signed_in.headers["Set-Cookie"]
    assert "drafter" in http.get(f"{site.url}/", timeout=10).text

    # Plain HTTP only redirects to HTTPS.
    moved = http.get(f"{site.http_url}/bills/{site.bill}?eid={EID}", allow_redirects=False, timeout=10)
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"https://127.0.0.1/bills/{site.bill}?eid={EID}"


def test_rate_limits_count_each_clients_address_not_nginxs(site: Site) -> None:
    first, second = site.http(ADDRESSES[2]), site.http(ADDRESSES[3])

    def verify(http: requests.Session, **headers: str) -> requests.Response:
        return http.post(f"{site.url}/api/citizens/verification", json={"token": "not-a-token"}, headers=headers,
                         timeout=10)

    remaining = [verify(first).headers.get("X-RateLimit-Remaining") for _ in range(SIGNUP_LIMIT)]
    assert remaining == [str(n) for n in range(SIGNUP_LIMIT - 1, -1, -1)]
    refused = verify(first)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    # A forged X-Forwarded-For does not buy a new budget: nginx appends the address it saw, and that is the one
    # the application keys on.
    assert verify(first, **{"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    # Another address has its own budget, though every request reached the processes from nginx's 127.0.0.1.
    other = verify(second)
    assert other.status_code != 429 and other.headers["X-RateLimit-Remaining"] == str(SIGNUP_LIMIT - 1)


def _directive(block: str, name: str) -> str:
    match = re.search(rf"^\s*{name}\s+([^;]+);", block, re.MULTILINE)
    assert match, f"no {name} in {block[:200]}"
    return match.group(1).strip()


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)?", value).groups()  # type: ignore[union-attr]
    return int(number) * {"ms": 0.001, None: 1, "s": 1, "m": 60, "h": 3600}[unit]


def test_nginx_limits_fit_the_application(site: Site) -> None:
    size = _directive(site.site_conf, "client_max_body_size")
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()  # type: ignore[union-attr]
    limit = int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
    assert limit > max(BaseConfig.MAX_CONTENT_LENGTH, BaseConfig.MAX_DOCUMENT_BYTES)

    http = site.http(ADDRESSES[0])
    headers = {"Authorization": f"Bearer {site.tokens['drafter']}", "Content-Type": "application/akn+xml"}
    # A document of the largest size the application takes reaches it (and is refused for what it is, not its size).
    largest = http.post(f"{site.url}/api/bills", data=b"x" * BaseConfig.MAX_DOCUMENT_BYTES, headers=headers,
                        timeout=60)
    assert largest.status_code not in (413, 502, 504), largest.text[:300]
    assert "error" in largest.json()
    # One byte over: the application's own JSON 413, so nginx passed it on.
    over = http.post(f"{site.url}/api/bills", data=b"x" * (BaseConfig.MAX_CONTENT_LENGTH + 1), headers=headers,
                     timeout=60)
    assert over.status_code == 413 and over.json()["error"]["code"] == "payload_too_large"

    # Socket.IO's own timing, from a handshake through nginx: nothing on a live session waits longer than this.
    client = ProxiedClient(site, ADDRESSES[1])
    try:
        silence = client.client.eio.ping_interval + client.client.eio.ping_timeout
    finally:
        client.close()
    socket_block = re.search(r"location /socket\.io/ \{(.*?)\}", site.site_conf, re.DOTALL)
    assert socket_block is not None
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        assert _seconds(_directive(socket_block.group(1), name)) > silence, name


def _open_consultation(site: Site, citizens: int) -> list[str]:
    """A consultation open on the site's bill, and the tokens of ``citizens`` citizens."""
    from datetime import timedelta

    from server.services import accounts
    from server.services import consultation as consultations
    from server.store import eventlog
    from server.store.db import Database

    database = Database(site.database_url)
    tokens = []
    try:
        with database.write() as session:
            clerk = accounts.register_user(session, "clerk-nginx", "clerk", "correct-horse")
            now = eventlog.utcnow()
            consultations.open_consultation(session, accounts.principal_of(clerk), site.bill,
                                            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
            for n in range(citizens):
                citizen = accounts.register_user(session, f"citizen-nginx-{n}", "citizen", "correct-horse")
                tokens.append(accounts.issue_token(session, accounts.principal_of(citizen)))
    finally:
        database.dispose()
    return tokens


def test_nginx_refuses_an_addresss_writes_beyond_its_budget_before_they_reach_a_process(site: Site) -> None:
    tokens = _open_consultation(site, citizens=3)
    flooding, other = "127.0.5.1", "127.0.6.1"
    http = site.http(flooding)

    def post(session: requests.Session, token: str, n: int) -> requests.Response:
        return session.post(f"{site.url}/api/bills/{site.bill}/comments", headers={"Authorization": f"Bearer {token}"},
                            json={"eid": EID, "body": f"Comment {n} through nginx."}, timeout=30)

    # Two citizens behind one address (a library, a parliament's own network): the address's whole budget passes.
    passed = [post(http, tokens[n % 2], n) for n in range(WRITES_PER_ADDRESS)]
    assert [r.status_code for r in passed] == [201] * WRITES_PER_ADDRESS, passed[-1].text[:300]
    assert all("X-RateLimit-Limit" in r.headers for r in passed), "the application answered these"
    refused = [post(http, tokens[n % 2], n) for n in range(3)]
    refused.append(http.post(f"{site.url}/api/comments/{passed[0].json()['id']}/endorsements",
                             headers={"Authorization": f"Bearer {tokens[2]}"}, timeout=30))
    for answer in refused:
        assert answer.status_code == 429
        assert answer.json()["error"] == {
            "code": "rate_limited",
            "message": f"too many requests from your address: the limit is {WRITES_PER_ADDRESS} per 1 minute; "
                       "wait and try again"}
        assert answer.headers["Retry-After"] == "1"
        assert "X-RateLimit-Limit" not in answer.headers, "nginx answered, not the application"
    log = site.nginx.wait_for_log(lambda lines: sum(line.address == flooding for line in lines) >= 16)
    mine = [line for line in log if line.address == flooding]
    assert [(line.status, line.upstream) for line in mine[-4:]] == [(429, "-")] * 4, "no process saw them"
    # Reading is not limited, and another address has its own budget.
    listed = http.get(f"{site.url}/api/bills/{site.bill}/comments?limit=100", timeout=30)
    assert listed.status_code == 200
    # New accounts posting fast have some held for a clerk (the burst rule); the rest are public.
    visible = {r.json()["id"] for r in passed if r.json()["state"] == "visible"}
    assert visible and {c["id"] for c in listed.json()["comments"]} == visible
    assert post(site.http(other), tokens[2], 99).status_code == 201
