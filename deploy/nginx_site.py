"""Render deploy/nginx.conf for one site: the processes behind it, its name, ports and TLS files.

    .venv/bin/python deploy/nginx_site.py --server-name parley.example.org \\
        --upstream 127.0.0.1:5001 --upstream 127.0.0.1:5002 > /etc/nginx/conf.d/parley.conf
    nginx -t && nginx -s reload

Standard library only, so it runs with any Python 3.11. Every ``${PARLEY_...}`` placeholder must be filled; a
leftover one is an error rather than a file nginx would refuse later.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().with_name("nginx.conf")
PLACEHOLDER = re.compile(r"\$\{(PARLEY_[A-Z_]+)\}")
# A process that fails this often within this window is left out for the window, as any other would be.
SERVER_PARAMETERS = "max_fails=3 fail_timeout=10s"


def render(
    *,
    server_name: str,
    upstreams: list[str],
    https_listen: str = "443",
    http_listen: str = "80",
    certificate: str = "/etc/ssl/parley/fullchain.pem",
    certificate_key: str = "/etc/ssl/parley/privkey.pem",
    citizen_writes_per_minute: int = 600,
    template: Path = TEMPLATE,
) -> str:
    """The site configuration for ``upstreams`` (``host:port`` of each process), in the order given.

    ``citizen_writes_per_minute`` is the application's COMMENT_LIMIT_PER_ADDRESS, per minute: nginx refuses an
    address's writes beyond it before they reach a process.
    """
    if not upstreams:
        raise ValueError("name at least one process (--upstream HOST:PORT)")
    if citizen_writes_per_minute < 1:
        raise ValueError(f"an address's writes a minute must be at least 1; found {citizen_writes_per_minute}")
    for value in (server_name, https_listen, http_listen, certificate, certificate_key, *upstreams):
        # One token each: a space or a semicolon would end the directive and start another.
        if not value or re.search(r"[\s;{}'\"$]", value):
            raise ValueError(f"not a single nginx word: {value!r}")
    values = {
        "PARLEY_UPSTREAM_SERVERS": "\n".join(f"    server {u} {SERVER_PARAMETERS};" for u in upstreams),
        "PARLEY_SERVER_NAME": server_name,
        "PARLEY_HTTPS_LISTEN": https_listen,
        "PARLEY_HTTP_LISTEN": http_listen,
        "PARLEY_TLS_CERTIFICATE": certificate,
        "PARLEY_TLS_CERTIFICATE_KEY": certificate_key,
        # nginx lets one request through beyond its burst: the bucket then holds exactly the budget.
        "PARLEY_CITIZEN_WRITES_BURST": str(citizen_writes_per_minute - 1),
        "PARLEY_CITIZEN_WRITES_PER_MINUTE": str(citizen_writes_per_minute),
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"{template} has a placeholder this script does not know: {name}")
        return values[name]

    return PLACEHOLDER.sub(fill, template.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-name", required=True, help="the public host name, e.g. parley.example.org")
    parser.add_argument("--upstream", action="append", required=True, metavar="HOST:PORT",
                        help="one Parley process (repeat for each)")
    parser.add_argument("--https-listen", default="443", help="nginx `listen` for HTTPS (default 443)")
    parser.add_argument("--http-listen", default="80", help="`listen` of the redirect to HTTPS (default 80)")
    parser.add_argument("--certificate", default="/etc/ssl/parley/fullchain.pem", help="PEM chain")
    parser.add_argument("--certificate-key", default="/etc/ssl/parley/privkey.pem", help="PEM private key")
    parser.add_argument("--citizen-writes-per-minute", type=int, default=600,
                        help="the application's COMMENT_LIMIT_PER_ADDRESS a minute (default 600): an address's "
                             "comments, endorsements and flags beyond it are refused by nginx")
    parser.add_argument("--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    try:
        text = render(server_name=args.server_name, upstreams=args.upstream, https_listen=args.https_listen,
                      http_listen=args.http_listen, certificate=args.certificate,
                      certificate_key=args.certificate_key,
                      citizen_writes_per_minute=args.citizen_writes_per_minute)
    except ValueError as error:
        parser.error(str(error))
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
