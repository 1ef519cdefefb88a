"""A pytest plugin for the sample project's suite: writes every HTTP request its code sends (through
requests, httpx or aiohttp, whatever mock answers it) to $SAMPLE_REQUESTS, one JSON line each, so
the test around that suite can check what the migrated code sends."""

from __future__ import annotations

import json
import os

import aiohttp
import httpx
import requests


def _record(method: str, url: str, headers, body) -> None:
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", errors="replace")
    with open(os.environ["SAMPLE_REQUESTS"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"method": method.upper(), "url": str(url),
                              "headers": {k.lower(): v for k, v in dict(headers or {}).items()},
                              "body": body}) + "\n")


_session_send = requests.Session.send


def _requests_send(self, request, **kwargs):
    _record(request.method, request.url, request.headers, request.body)
    return _session_send(self, request, **kwargs)


_client_send, _async_send = httpx.Client.send, httpx.AsyncClient.send


def _httpx_send(self, request, **kwargs):
    _record(request.method, request.url, request.headers, request.read())
    return _client_send(self, request, **kwargs)


async def _httpx_async_send(self, request, **kwargs):
    _record(request.method, request.url, request.headers, await request.aread())
    return await _async_send(self, request, **kwargs)


_aiohttp_request = aiohttp.ClientSession._request


async def _aiohttp(self, method, url, **kwargs):
    headers = {**dict(self.headers), **dict(kwargs.get("headers") or {})}
    body = json.dumps(kwargs["json"]) if kwargs.get("json") is not None else kwargs.get("data")
    _record(method, url, headers, body)
    return await _aiohttp_request(self, method, url, **kwargs)


requests.Session.send = _requests_send
httpx.Client.send, httpx.AsyncClient.send = _httpx_send, _httpx_async_send
aiohttp.ClientSession._request = _aiohttp
