"""Send a client program's AfterShip calls to the fake API; refuse every other host.

Put this folder first on PYTHONPATH and set AFTERSHIP_FAKE_PORT: Python imports
`sitecustomize` at start-up. Every URL whose host is api.aftership.com (any scheme, any
case) is sent to http://127.0.0.1:$AFTERSHIP_FAKE_PORT with the same path and query; a
loopback URL passes unchanged; any other host raises RuntimeError.

requests, httpx (sync and async), aiohttp, urllib.request and http.client are patched when the
program imports them (an import hook), so a program that never imports httpx does not pay for it.
A socket guard refuses connections to non-loopback addresses as a last line.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import sys
from importlib.abc import MetaPathFinder
from urllib.parse import urlsplit, urlunsplit

AFTERSHIP_HOST = "api.aftership.com"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
REFUSED = "network disabled in the behaviour harness"


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redirected(url: str, port: int) -> str:
    """The URL to fetch instead of `url` (unchanged when loopback or relative); raises otherwise."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or _is_loopback(host):
        return url
    if host == AFTERSHIP_HOST:
        return urlunsplit(("http", f"127.0.0.1:{port}", parts.path, parts.query, parts.fragment))
    raise RuntimeError(REFUSED)


# ---- one patch per library ---------------------------------------------------------------


def _patch_requests(port: int) -> None:
    from requests.adapters import HTTPAdapter

    original = HTTPAdapter.send

    @functools.wraps(original)
    def send(self, request, *args, **kwargs):
        request.url = redirected(request.url, port)
        return original(self, request, *args, **kwargs)

    HTTPAdapter.send = send


def _patch_httpx(port: int) -> None:
    import httpx

    def fix(request) -> None:
        new = redirected(str(request.url), port)
        if new != str(request.url):
            request.url = httpx.URL(new)

    sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send

    @functools.wraps(sync_send)
    def send(self, request, *args, **kwargs):
        fix(request)
        return sync_send(self, request, *args, **kwargs)

    @functools.wraps(async_send)
    async def send_async(self, request, *args, **kwargs):
        fix(request)
        return await async_send(self, request, *args, **kwargs)

    httpx.Client.send, httpx.AsyncClient.send = send, send_async


def _patch_aiohttp(port: int) -> None:
    from aiohttp import ClientSession

    original = ClientSession._request

    @functools.wraps(original)
    async def _request(self, method, str_or_url, *args, **kwargs):
        url = str(self._build_url(str_or_url))  # a session base_url joins here
        new = redirected(url, port)
        return await original(self, method, new if new != url else str_or_url, *args, **kwargs)

    ClientSession._request = _request


def _patch_urllib(port: int) -> None:
    from urllib.request import OpenerDirector, Request

    original = OpenerDirector.open

    @functools.wraps(original)
    def open(self, fullurl, *args, **kwargs):
        if isinstance(fullurl, Request):
            fullurl.full_url = redirected(fullurl.full_url, port)
        else:
            fullurl = redirected(fullurl, port)
        return original(self, fullurl, *args, **kwargs)

    OpenerDirector.open = open


def _patch_http_client(port: int) -> None:
    """`http.client.HTTPSConnection("api.aftership.com")` (AfterShip's own doc snippets): the
    connection goes to the fake, in plain HTTP; other hosts pass to the socket guard."""
    client = sys.modules["http.client"]  # (patched as its import ends: not yet an attribute of `http`)

    def patched_init(original):
        @functools.wraps(original)
        def __init__(self, host, *args, **kwargs):
            if host.split(":")[0].lower().rstrip(".") == AFTERSHIP_HOST:
                self._aftership_fake = True  # (HTTPSConnection's init calls HTTPConnection's: set once)
                host = "127.0.0.1"
                if args:
                    args = (port, *args[1:])
                else:
                    kwargs["port"] = port
            original(self, host, *args, **kwargs)
        return __init__

    original_connect = client.HTTPSConnection.connect

    @functools.wraps(original_connect)
    def connect(self):
        if getattr(self, "_aftership_fake", False):
            return client.HTTPConnection.connect(self)  # no TLS to the fake
        return original_connect(self)

    client.HTTPConnection.__init__ = patched_init(client.HTTPConnection.__init__)
    client.HTTPSConnection.__init__ = patched_init(client.HTTPSConnection.__init__)
    client.HTTPSConnection.connect = connect


def _guard_sockets() -> None:
    """Refuse TCP connections to non-loopback addresses (code that bypasses the libraries)."""
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock, address) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _is_loopback(str(address[0]).lower()):
                raise RuntimeError(REFUSED)

    def connect(self, address):
        check(self, address)
        return original_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return original_connect_ex(self, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


PATCHES = {"requests": _patch_requests, "httpx": _patch_httpx, "aiohttp": _patch_aiohttp,
           "urllib.request": _patch_urllib, "http.client": _patch_http_client}


class _PatchOnImport(MetaPathFinder):
    """Applies a library's patch right after the library's own module code ran."""

    def __init__(self, port: int) -> None:
        self.port = port

    def find_spec(self, name, path, target=None):
        if name not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        original_exec = spec.loader.exec_module
        port = self.port

        def exec_module(module):
            original_exec(module)
            PATCHES[name](port)

        spec.loader.exec_module = exec_module  # this spec's loader instance only
        return spec


def install(port: int) -> None:
    for name, patch in PATCHES.items():
        if name in sys.modules:  # imported before us: patch now
            patch(port)
    sys.meta_path.insert(0, _PatchOnImport(port))
    _guard_sockets()


if os.environ.get("AFTERSHIP_FAKE_PORT"):
    install(int(os.environ["AFTERSHIP_FAKE_PORT"]))
