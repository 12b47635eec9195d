"""The HTTP client under python-telegram-bot: aiohttp behind PTB's `BaseRequest` interface.

PTB's own `HTTPXRequest` spends 0.6-1.5 ms CPU per Bot API call on this machine (httpx and
httpcore's pool bookkeeping; more the more requests wait), aiohttp 0.10-0.17 ms for the same call
(`mi-trainer bench`, benchmarks/README.md). A practice turn makes three calls, so this is most of
the bot's own cost per turn. Everything above `do_request` stays PTB's: the status codes become
RetryAfter / BadRequest / Forbidden …, the JSON is parsed and checked, the same way as with httpx.
`telegram.http_client: httpx` in the config switches back to PTB's client.
"""

from __future__ import annotations

import functools
import ssl
import urllib.request
from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Certificates from certifi when it is there (httpx, and so PTB, ships with it), like httpx.
    One context for both clients (the bot's and getUpdates'): reading the bundle takes ~30 ms."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool; the timeouts mean what PTB says they
    mean: connect (to open a connection), read (for each read of the answer), pool (to wait for a
    free connection). aiohttp has no write timeout: a slow upload is bounded by the read timeout
    of the answer that follows."""

    def __init__(self, connection_pool_size: int = 256, *, connect_timeout: float | None = 5.0,
                 read_timeout: float | None = 5.0, pool_timeout: float | None = 1.0) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ssl=_ssl_context())
            # Not trust_env: with it aiohttp looks for a ~/.netrc password in a worker thread on every
            # request (~1 ms CPU per turn here). The proxy from the environment is honoured anyway.
            # Telegram sets no cookies: a jar that keeps none skips the cookie filtering of every call.
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT},
                                                  cookie_jar=aiohttp.DummyCookieJar())

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._chosen(read_timeout, self._read_timeout)
        connect = self._chosen(connect_timeout, self._connect_timeout)
        pool = self._chosen(pool_timeout, self._pool_timeout)
        # aiohttp's `connect` is waiting for a pooled connection plus opening a new one.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read,
                                        connect=None if connect is None or pool is None else connect + pool)
        proxy = self._proxy_for(url)
        for attempt in (1, 2):
            data = self._body(request_data)
            # No body, no Content-Type (aiohttp would say application/octet-stream; httpx says nothing).
            skip = ("Content-Type",) if data is None else ()
            headers = _FORM_HEADERS if isinstance(data, bytes) else None
            try:
                async with session.request(method, url, data=data, headers=headers, timeout=timeout, proxy=proxy,
                                           skip_auto_headers=skip) as response:
                    return response.status, await response.read()
            except (TimeoutError, aiohttp.ServerTimeoutError) as error:
                raise TimedOut from error
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
                # A kept-alive connection the server had already closed (some servers close after
                # every answer without saying so): httpx checks a pooled connection before reusing
                # it, aiohttp finds out by failing. Once more on a fresh connection; the delivery
                # layer retries this error anyway, only later.
                if attempt == 2:
                    raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
            except aiohttp.ClientError as error:
                raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        raise AssertionError("unreachable")

    @staticmethod
    def _body(request_data: RequestData | None) -> Any:
        """A new body for each try (an aiohttp FormData can be sent only once). Plain parameters go
        as the urlencoded bytes aiohttp would make of them, without its FormData, which builds a
        multipart writer (and draws a random boundary) even for a plain form: ~0.03 ms a call."""
        if request_data is None:
            return None
        files = request_data.multipart_data
        fields = request_data.json_parameters
        if files:
            return _multipart(fields, files)
        return form_urlencoded(fields) if fields else None

    def _proxy_for(self, url: str) -> str | None:
        """HTTPS_PROXY / HTTP_PROXY unless NO_PROXY names the host, as httpx reads them (remembered
        per host: the bot talks to one or two)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            bypass = not key[1] or urllib.request.proxy_bypass(key[1])
            self._proxies[key] = None if bypass else urllib.request.getproxies().get(key[0])
        return self._proxies[key]

    @staticmethod
    def _chosen(value: Any, default: float | None) -> float | None:
        return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
"""For the bodies `_body` encodes itself (bytes); FormData sets its own."""

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_FORM_ESCAPES = {
    byte: chr(byte) if byte in _UNRESERVED else "+" if byte == 0x20 else f"%{byte:02X}" for byte in range(256)
}
"""Byte -> its form encoding, as `urllib.parse.quote_plus` does it (RFC 3986 unreserved bytes stay)."""


def form_urlencoded(fields: Mapping[str, str]) -> bytes:
    """`urllib.parse.urlencode(fields).encode()`, byte for byte, in one `str.translate` per value
    (over the UTF-8 bytes read as Latin-1) instead of a Python call per byte: a turn's three calls
    carry 0.5-1.5 kB of text, and quoting it byte by byte was ~3 % of the bot's CPU under load."""
    return "&".join(
        f"{_form_quoted(name)}={_form_quoted(value)}" for name, value in fields.items()
    ).encode("ascii")


def _form_quoted(value: str) -> str:
    return value.encode("utf-8").decode("latin-1").translate(_FORM_ESCAPES)


def _multipart(fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes | IO[bytes], str]]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
