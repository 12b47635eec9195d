"""The aiohttp client under python-telegram-bot (`bot/telegram/transport.py`): what each network
failure becomes (PTB's TimedOut / NetworkError, which the delivery retries), what goes over the
wire, and which proxy is used. Against small servers on 127.0.0.1; no mocks."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.transport import AiohttpRequest, form_urlencoded

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _server(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/botTOKEN/sendMessage"


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head, await reader.readexactly(length)


@pytest.fixture
async def client() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(4, connect_timeout=1.0, read_timeout=0.3, pool_timeout=0.5)
    await request.initialize()
    yield request
    await request.shutdown()


async def test_a_server_that_never_answers_is_a_timeout(client: AiohttpRequest) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)

    server, url = await _server(silent)
    async with server:
        with pytest.raises(TimedOut):
            await client.post(url)


async def test_a_refused_or_dropped_connection_is_a_network_error(client: AiohttpRequest) -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.close()

    server, url = await _server(drop)
    async with server:
        with pytest.raises(NetworkError) as dropped:
            await client.post(url)
    assert not isinstance(dropped.value, TimedOut)
    with pytest.raises(NetworkError):
        await client.post(url)  # nothing listens there any more


async def test_parameters_go_as_the_form_ptb_sends_with_httpx(client: AiohttpRequest) -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await _read_request(reader))
        body = b'{"ok": true, "result": true}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
        await writer.drain()
        writer.close()

    server, url = await _server(ok)
    text = "Hej — æøå & <b>fed</b> 100% + 😀"
    data = RequestData([RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", text)])
    async with server:
        assert await client.post(url, request_data=data) is True
    head, body = seen[0]
    assert b"application/x-www-form-urlencoded" in head.lower()
    assert b"user-agent: python-telegram-bot" in head.lower()
    assert urllib.parse.parse_qs(body.decode()) == {"chat_id": ["42"], "text": [text]}


@given(st.dictionaries(st.text(), st.text(), max_size=4))
def test_the_form_body_is_what_urlencode_makes_byte_for_byte(fields: dict[str, str]) -> None:
    # Texts that UTF-8 cannot encode (lone surrogates) fail in both, as a UnicodeEncodeError.
    try:
        expected = urllib.parse.urlencode(fields).encode("ascii")
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            form_urlencoded(fields)
        return
    assert form_urlencoded(fields) == expected


async def test_a_server_that_closes_after_every_answer_without_saying_so_still_works(client: AiohttpRequest) -> None:
    heads: list[bytes] = []

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await _read_request(reader)
        heads.append(head)
        body = b'{"ok": true, "result": true}'
        # HTTP/1.1 without "Connection: close", then closed: the client's pooled connection is stale.
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server, url = await _server(once)
    async with server:
        for _ in range(10):
            assert await client.post(url) is True
    assert b"content-type" not in heads[0].lower()  # no parameters: no body and no Content-Type, as httpx


async def test_an_unopened_client_says_so() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/x", "POST")


def test_proxy_comes_from_the_environment_unless_no_proxy_names_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.kommune.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    request = AiohttpRequest()
    assert request._proxy_for("https://api.telegram.org/botX/getMe") == "http://proxy.kommune.example:3128"
    assert request._proxy_for("http://127.0.0.1:8081/botX/getMe") is None
    monkeypatch.delenv("HTTPS_PROXY")
    assert AiohttpRequest()._proxy_for("https://api.telegram.org/botX/getMe") is None
