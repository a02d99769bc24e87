"""Sending a webhook to an address that was checked, not to whatever its host name resolves to a moment later.

``requests`` resolves a URL's host name itself when it opens the connection. Checking the name's addresses first
and then letting ``requests`` resolve it again leaves a gap that a hostile DNS server can use (DNS rebinding): a
public address to the check, then 127.0.0.1, 10.x or 169.254.169.254 to the connection. Here the connection is
opened on the checked address itself, while the URL's host name stays in the Host header and, for https, in TLS
SNI and the certificate check, so the receiver sees an ordinary request for its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response
from urllib3.exceptions import NewConnectionError


class PinnedAddressAdapter(HTTPAdapter):
    """A transport adapter that connects every request to one IP address, whatever host its URL names."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        # requests' documented hook for choosing the urllib3 pool: the pool (and so the socket) is keyed on, and
        # opened to, the pinned address.
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            # SNI and certificate verification (the ssl module's, against server_hostname) must use the URL's
            # name: a certificate is issued for the name, not for the address.
            pool_kwargs["server_hostname"] = host_params["host"]
        host_params["host"] = self.address
        return host_params, pool_kwargs

    def send(
        self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
        cert: Any = None, proxies: Mapping[str, str] | None = None,
    ) -> Response:
        assert request.url is not None  # a prepared request always has one
        # Without it, urllib3 would name the pool's host (the IP) in the Host header.
        request.headers["Host"] = urlsplit(request.url).netloc.rpartition("@")[2]
        # A proxy would resolve the host name itself and undo the pin, so none is used, whatever the environment says.
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=None)


def post(url: str, address: str, *, data: bytes, headers: Mapping[str, str], timeout: float) -> Response:
    """POST to ``url`` over a connection to ``address`` (already checked), without following redirects."""
    with requests.Session() as session:
        adapter = PinnedAddressAdapter(address)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        # A redirect would lead to a host that was never checked.
        return session.post(url, data=data, headers=dict(headers), timeout=timeout, allow_redirects=False)


def not_connected(error: requests.RequestException) -> bool:
    """True when the request failed before a connection was made (refused, unreachable, timed out connecting):
    nothing reached the receiver, so another of its addresses may be tried at once."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(error, requests.exceptions.ConnectionError) or isinstance(error, requests.exceptions.SSLError):
        return False
    # requests wraps urllib3's MaxRetryError, whose reason is the error of the (only) attempt.
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)
