"""Webhook mode: a small HTTP endpoint (asyncio streams, no extra dependency) for Telegram's POSTs.

Put it behind a TLS-terminating reverse proxy; `telegram.webhook.url` is the public https URL.
An update is answered 200 only after it has been handled (settled), so if the bot dies first,
Telegram sends it again, and the claimed update id keeps it from being applied twice. The
`secret_token` is checked on every request when configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.config import WebhookConfig
from bot.telegram.ordering import Settlement
from bot.telegram.polling import ALLOWED_UPDATES

_LOG = logging.getLogger("bot.telegram.webhook")

MAX_BODY = 1 << 20
SETTLE_TIMEOUT = 50.0


class WebhookServer:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        settlement: Settlement,
        config: WebhookConfig,
    ) -> None:
        self.application = application
        self.settlement = settlement
        self.config = config
        self._server: asyncio.Server | None = None
        self.port = config.port

    async def start(self, register: bool = True) -> None:
        self._server = await asyncio.start_server(self._handle, self.config.listen, self.config.port)
        self.port = self._server.sockets[0].getsockname()[1]
        if register:
            await self.application.bot.set_webhook(
                self.config.url, secret_token=self.config.secret_token, allowed_updates=ALLOWED_UPDATES,
            )
        _LOG.info("webhook listening on %s:%s%s", self.config.listen, self.port, self.config.path)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status = await self._request(reader)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
            status = 400
        except Exception:
            _LOG.exception("webhook request failed")
            status = 500
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
                  413: "Payload Too Large", 503: "Service Unavailable", 500: "Internal Server Error"}[status]
        with contextlib.suppress(Exception):
            writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            writer.close()

    async def _request(self, reader: asyncio.StreamReader) -> int:
        request_line = (await asyncio.wait_for(reader.readline(), 30)).decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3:
            return 400
        verb, target, _ = parts
        headers: dict[str, str] = {}
        while True:
            line = await asyncio.wait_for(reader.readline(), 30)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if target.split("?", 1)[0] != self.config.path:
            return 404
        if verb != "POST":
            return 405
        secret = self.config.secret_token
        if secret and not hmac.compare_digest(headers.get("x-telegram-bot-api-secret-token", ""), secret):
            return 401
        length = int(headers.get("content-length", "0") or 0)
        if length <= 0 or length > MAX_BODY:
            return 413 if length > MAX_BODY else 400
        body = await asyncio.wait_for(reader.readexactly(length), 30)
        try:
            update = Update.de_json(json.loads(body), self.application.bot)
        except Exception:
            return 400
        if update is None:
            return 400
        self.settlement.expect([update.update_id])
        await self.application.update_queue.put(update)
        settled = await self.settlement.wait([update.update_id], SETTLE_TIMEOUT)
        return 200 if settled else 503


__all__ = ["WebhookServer"]
