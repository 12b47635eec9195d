"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests (stdlib only: asyncio streams).

It speaks enough of the Bot API for python-telegram-bot to run a real `Application` against it:
getMe, getUpdates (long polling, `offset` confirms, `timeout`), sendMessage, sendChatAction,
answerCallbackQuery, editMessageText, editMessageReplyMarkup, sendDocument (multipart), getFile and
the file download, setMyCommands, deleteMyCommands, deleteWebhook, getWebhookInfo, setWebhook, close,
logOut. Every call is recorded. Tests inject updates (messages, commands, button presses, documents,
stickers, edited messages, group messages), re-deliver old ones, and inject failures: a status with
a description and `retry_after` (429), a delay, a dropped connection or a garbage body.

The server runs on its own event loop in a daemon thread, so both async tests (the Application
in the test's loop) and sync tests (a bot in a subprocess) can use it. Public methods are
thread-safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import html
import itertools
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TOKEN = "123456:TEST-token_for-the-fake-api"
BOT_ID = 123456
BOT_USERNAME = "mi_trainer_test_bot"


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    answered: str = "ok"
    """"ok", or what was injected instead: "error:<status>", "drop", "garbage", "delay" (answered late)."""


@dataclass
class Failure:
    """An injected failure for the next `times` calls of `method` (matching `when`, if given)."""

    method: str
    status: int = 429
    description: str = "Too Many Requests: retry after 1"
    retry_after: int | None = None
    times: int = 1
    kind: str = "error"  # "error" | "drop" | "garbage" | "delay"
    delay: float = 0.0
    when: Callable[[dict[str, Any]], bool] | None = None
    until: float | None = None
    """With `seconds=`: the failure holds for every call until this moment (time.monotonic)."""


@dataclass
class _Pending:
    update_id: int
    payload: dict[str, Any]
    forced: bool = False


class FakeBotAPI:
    """Start with `start()` (or as a context manager); point the bot at `base_url`/`base_file_url`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = 0
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []
        """Every message the bot sent (sendMessage/sendDocument results), in order, plus edits."""
        self.failures: list[Failure] = []
        self.webhook_url = ""
        self.blocked: set[int] = set()
        """Chats whose user blocked the bot: sending there gives 403 Forbidden."""
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._pending: list[_Pending] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._files: dict[str, tuple[str, bytes]] = {}
        self._callback_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._wakeup: asyncio.Event | None = None
        self._started = threading.Event()
        self._connections: set[asyncio.StreamWriter] = set()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotAPI:
        self._thread = threading.Thread(target=self._serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("fake Bot API did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        loop.call_soon_threadsafe(self._shutdown)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._wakeup = asyncio.Event()
        self._server = loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._started.set()
        try:
            loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _shutdown(self) -> None:
        assert self._loop is not None
        if self._server is not None:
            self._server.close()
        for writer in list(self._connections):
            writer.close()
        self._loop.stop()

    def _notify(self) -> None:
        """Wake long polls (any thread) and sync waiters."""
        with self._changed:
            self._changed.notify_all()
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None:
            loop.call_soon_threadsafe(wakeup.set)

    # ------------------------------------------------------------------ injecting updates

    def inject(self, payload: Mapping[str, Any], update_id: int | None = None, *, forced: bool = False) -> int:
        """Queue an update (`payload` without `update_id`); returns its update id."""
        with self._lock:
            uid = next(self._update_ids) if update_id is None else update_id
            self._pending.append(_Pending(uid, dict(payload), forced))
        self._notify()
        return uid

    def redeliver(self, update_id: int) -> None:
        """Deliver an already delivered (and confirmed) update again, as after a lost acknowledgement."""
        with self._lock:
            for call in self.calls:
                if call.method == "getUpdates":
                    for update in call.params.get("_returned", []):
                        if update["update_id"] == update_id:
                            payload = {k: v for k, v in update.items() if k != "update_id"}
                            self._pending.append(_Pending(update_id, payload, forced=True))
                            self._notify()
                            return
        raise KeyError(f"update {update_id} was never delivered")

    @staticmethod
    def user(user_id: int, first_name: str = "Learner", username: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "da"}
        if username:
            user["username"] = username
        return user

    def _message(
        self, user_id: int, *, chat_id: int | None = None, chat_type: str = "private", **content: Any
    ) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id if chat_id is not None else user_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"Learner {user_id}"
        else:
            chat["title"] = "A group"
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id, f"Learner {user_id}"),
            **content,
        }

    def send_text(self, user_id: int, text: str, **kwargs: Any) -> int:
        """The user types `text` (commands included: entities are added for a leading /command)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.inject({"message": self._message(user_id, **kwargs, **content)})

    def edit_text(self, user_id: int, text: str) -> int:
        message = self._message(user_id, text=text)
        message["edit_date"] = int(time.time())
        return self.inject({"edited_message": message})

    def send_sticker(self, user_id: int) -> int:
        sticker = {
            "file_id": "sticker1", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False,
        }
        return self.inject({"message": self._message(user_id, sticker=sticker)})

    def send_photo(self, user_id: int) -> int:
        photo = [{"file_id": "photo1", "file_unique_id": "p1", "width": 90, "height": 90}]
        return self.inject({"message": self._message(user_id, photo=photo)})

    def send_document(self, user_id: int, filename: str, content: bytes, mime: str = "application/x-yaml") -> int:
        with self._lock:
            file_id = f"file{next(self._file_ids)}"
            self._files[file_id] = (f"documents/{file_id}_{filename}", content)
        document = {
            "file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
            "mime_type": mime, "file_size": len(content),
        }
        return self.inject({"message": self._message(user_id, document=document)})

    def press(self, user_id: int, data: str, message: Mapping[str, Any] | None = None) -> int:
        """The user presses an inline button with callback `data` (on `message`, default the last one)."""
        if message is None:
            message = self.last_message(user_id, with_keyboard=True)
        query = {
            "id": f"cb{next(self._callback_ids)}",
            "from": self.user(user_id, f"Learner {user_id}"),
            "chat_instance": f"ci{user_id}",
            "data": data,
            "message": dict(message),
        }
        return self.inject({"callback_query": query})

    # ------------------------------------------------------------------ injecting failures

    def fail(self, method: str, status: int = 429, *, retry_after: int | None = None, times: int = 1,
             description: str | None = None, kind: str = "error", delay: float = 0.0,
             when: Callable[[dict[str, Any]], bool] | None = None, seconds: float | None = None) -> Failure:
        """Fail the next `times` calls of `method`, or (with `seconds`) every call for that long."""
        if description is None:
            description = f"Too Many Requests: retry after {retry_after}" if status == 429 else "Internal Server Error"
        until = None if seconds is None else time.monotonic() + seconds
        failure = Failure(method, status, description, retry_after, 2**31 if seconds else times, kind, delay, when,
                          until)
        with self._lock:
            self.failures.append(failure)
        return failure

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        with self._lock:
            for failure in self.failures:
                if failure.until is not None and time.monotonic() >= failure.until:
                    continue
                if failure.method == method and failure.times > 0 and (failure.when is None or failure.when(params)):
                    failure.times -= 1
                    return failure
        return None

    # ------------------------------------------------------------------ observing

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to `chat_id` (text/document), edits not included."""
        with self._lock:
            return [m for m in self.messages if m["chat"]["id"] == chat_id and not m.get("_edit")]

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.get("text", m.get("caption", "")) for m in self.sent_to(chat_id)]

    def last_message(self, chat_id: int, *, with_keyboard: bool = False) -> dict[str, Any]:
        for message in reversed(self.sent_to(chat_id)):
            if not with_keyboard or message.get("reply_markup"):
                return dict(message)
        raise LookupError(f"no message{' with a keyboard' if with_keyboard else ''} to {chat_id}")

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Block until `predicate()` holds (checked whenever the server changes state)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("condition not met in time")
                self._changed.wait(min(left, 0.05))

    async def wait(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """`wait_for` for async tests: polls without blocking the caller's event loop."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(0.01)

    async def wait_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least `count` messages went to `chat_id`; returns them all."""
        try:
            await self.wait(lambda: len(self.sent_to(chat_id)) >= count, timeout)
        except TimeoutError:
            raise TimeoutError(f"{count} messages to {chat_id} expected; got {self.texts_to(chat_id)}") from None
        return self.sent_to(chat_id)

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._pending)

    # ------------------------------------------------------------------ HTTP

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                method, target, _ = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                keep = await self._dispatch(method, target, headers, body, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            return
        finally:
            self._connections.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    async def _respond(writer: asyncio.StreamWriter, status: int, body: bytes,
                       content_type: str = "application/json") -> None:
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                  409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error"}.get(status, "Error")
        head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n")
        writer.write(head.encode("latin-1") + body)
        await writer.drain()

    async def _dispatch(self, verb: str, target: str, headers: Mapping[str, str], body: bytes,
                        writer: asyncio.StreamWriter) -> bool:
        path = urllib.parse.unquote(urllib.parse.urlsplit(target).path)
        file_prefix = f"/file/bot{self.token}/"
        if verb == "GET" and path.startswith(file_prefix):
            file_path = path[len(file_prefix):]
            with self._lock:
                found = next((data for fp, data in self._files.values() if fp == file_path), None)
            if found is None:
                await self._respond(writer, 404, b"not found", "text/plain")
            else:
                await self._respond(writer, 200, found, "application/octet-stream")
            return True
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            if path.startswith("/bot"):
                await self._respond(writer, 401, _error(401, "Unauthorized"))
            else:
                await self._respond(writer, 404, _error(404, "Not Found"))
            return True
        api_method = path[len(prefix):]
        params, files = _parse_body(headers.get("content-type", ""), body, target)
        call = Call(api_method, params, files)
        with self._lock:
            self.calls.append(call)
        failure = self._take_failure(api_method, params)
        if failure is not None:
            if failure.kind == "delay":
                call.answered = "delay"  # answered late: the client may have given up (and retried) by then
                await asyncio.sleep(failure.delay)
            else:
                call.answered = failure.kind if failure.kind != "error" else f"error:{failure.status}"
                self._notify()
                if failure.kind == "drop":
                    return False
                if failure.kind == "garbage":
                    await self._respond(writer, 200, b"<html>502 bad gateway</html>", "text/html")
                    return True
                payload: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                           "description": failure.description}
                if failure.retry_after is not None:
                    payload["parameters"] = {"retry_after": failure.retry_after}
                await self._respond(writer, failure.status, json.dumps(payload).encode())
                return True
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        else:
            try:
                result = await handler(call)
                status, payload = 200, {"ok": True, "result": result}
            except _ApiError as error:
                status, payload = error.status, {"ok": False, "error_code": error.status,
                                                 "description": error.description}
        self._notify()
        await self._respond(writer, status, json.dumps(payload).encode())
        return True

    # ------------------------------------------------------------------ API methods

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "MI trainer", "username": BOT_USERNAME,
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_getMe(self, call: Call) -> Any:
        return self._bot_user()

    async def _api_getUpdates(self, call: Call) -> Any:
        offset = _int(call.params.get("offset"), 0)
        timeout = min(_int(call.params.get("timeout"), 0), 50)
        limit = _int(call.params.get("limit"), 100) or 100
        deadline = time.monotonic() + timeout
        assert self._wakeup is not None
        while True:
            with self._lock:
                # Confirm: updates below the offset are gone for good (unless forced back in).
                self._pending = [p for p in self._pending if p.forced or p.update_id >= offset]
                ready = [p for p in self._pending if p.forced or p.update_id >= offset][:limit]
                if ready:
                    for p in ready:
                        p.forced = False  # a forced update is delivered once; then offsets apply again
                    returned = [{"update_id": p.update_id, **p.payload} for p in ready]
                    call.params["_returned"] = returned
                    return returned
            left = deadline - time.monotonic()
            if left <= 0:
                call.params["_returned"] = []
                return []
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), left)

    def _sent(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self._bot_user(),
            **content,
            "_at": time.monotonic(),  # when it was delivered (tests compare it with kill times)
        }
        with self._lock:
            self.messages.append(message)
        return message

    async def _api_sendMessage(self, call: Call) -> Any:
        params = call.params
        chat_id = _int(params.get("chat_id"), 0)
        text = str(params.get("text", ""))
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        content: dict[str, Any] = {"text": text}
        if params.get("parse_mode") == "HTML":
            _check_html(text)
            content = {"text": _plain(text), "_html": text}
        if params.get("reply_markup"):
            content["reply_markup"] = _json(params["reply_markup"])
        if params.get("parse_mode"):
            content["_parse_mode"] = params["parse_mode"]
        if call.answered == "delay":
            content["_late"] = True  # carried out after the client may have timed out (it may send it again)
        return self._sent(chat_id, **content)

    async def _api_sendDocument(self, call: Call) -> Any:
        chat_id = _int(call.params.get("chat_id"), 0)
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if "document" not in call.files:
            raise _ApiError(400, "Bad Request: there is no document in the request")
        filename, data = call.files["document"]
        with self._lock:
            file_id = f"file{next(self._file_ids)}"
            self._files[file_id] = (f"documents/{file_id}_{filename}", data)
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
                    "file_size": len(data)}
        content: dict[str, Any] = {"document": document, "_data": data}
        if call.params.get("caption"):
            content["caption"] = call.params["caption"]
        return {k: v for k, v in self._sent(chat_id, **content).items() if k != "_data"}

    async def _api_getFile(self, call: Call) -> Any:
        file_id = str(call.params.get("file_id", ""))
        with self._lock:
            found = self._files.get(file_id)
        if found is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(found[1]),
                "file_path": found[0]}

    async def _api_sendChatAction(self, call: Call) -> Any:
        return True

    async def _api_answerCallbackQuery(self, call: Call) -> Any:
        if str(call.params.get("callback_query_id", "")).startswith("stale"):
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query id is invalid")
        return True

    async def _api_editMessageText(self, call: Call) -> Any:
        chat_id = _int(call.params.get("chat_id"), 0)
        message_id = _int(call.params.get("message_id"), 0)
        with self._lock:
            original = next((m for m in self.messages if m["message_id"] == message_id
                             and m["chat"]["id"] == chat_id), None)
        if original is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        text = str(call.params.get("text", ""))
        if call.params.get("parse_mode") == "HTML":
            _check_html(text)
            text = _plain(text)
        markup = _json(call.params["reply_markup"]) if call.params.get("reply_markup") else None
        if original.get("text") == text and original.get("reply_markup") == markup:
            raise _ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                 "markup are exactly the same as a current content and reply markup of the message")
        with self._lock:
            original["text"] = text
            if markup is None:
                original.pop("reply_markup", None)
            else:
                original["reply_markup"] = markup
            edit = {**original, "_edit": True}
            self.messages.append(edit)
        return {k: v for k, v in original.items() if not k.startswith("_")}

    async def _api_editMessageReplyMarkup(self, call: Call) -> Any:
        chat_id = _int(call.params.get("chat_id"), 0)
        message_id = _int(call.params.get("message_id"), 0)
        with self._lock:
            original = next((m for m in self.messages if m["message_id"] == message_id
                             and m["chat"]["id"] == chat_id), None)
        if original is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        markup = _json(call.params["reply_markup"]) if call.params.get("reply_markup") else None
        if original.get("reply_markup") == markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        with self._lock:
            if markup is None:
                original.pop("reply_markup", None)
            else:
                original["reply_markup"] = markup
        return {k: v for k, v in original.items() if not k.startswith("_")}

    async def _api_setMyCommands(self, call: Call) -> Any:
        return True

    async def _api_deleteMyCommands(self, call: Call) -> Any:
        return True

    async def _api_getMyCommands(self, call: Call) -> Any:
        return []

    async def _api_deleteWebhook(self, call: Call) -> Any:
        self.webhook_url = ""
        return True

    async def _api_setWebhook(self, call: Call) -> Any:
        self.webhook_url = str(call.params.get("url", ""))
        return True

    async def _api_getWebhookInfo(self, call: Call) -> Any:
        with self._lock:
            pending = len(self._pending)
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": pending}

    async def _api_close(self, call: Call) -> Any:
        return True

    async def _api_logOut(self, call: Call) -> Any:
        return True


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _error(status: int, description: str) -> bytes:
    return json.dumps({"ok": False, "error_code": status, "description": description}).encode()


def _int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    return int(value)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


_HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
                        "blockquote", "tg-spoiler", "span"})
_TAG = re.compile(r"<(/?)([a-z-]+)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def _plain(text: str) -> str:
    """What Telegram shows of an HTML text (tags become entities; we drop them)."""
    return html.unescape(re.sub(r"<[^<>]*>", "", text))


def _check_html(text: str) -> None:
    """Reject HTML Telegram would reject: unknown or unbalanced tags, a bare '<', a bad '&' entity."""
    stack: list[str] = []
    position = 0
    while True:
        lt = text.find("<", position)
        amp = text.find("&", position)
        if lt < 0 and amp < 0:
            break
        if amp >= 0 and (lt < 0 or amp < lt):
            if not _ENTITY.match(text, amp):
                raise _ApiError(400, f"Bad Request: can't parse entities: unsupported entity at byte offset {amp}")
            position = amp + 1
            continue
        match = _TAG.match(text, lt)
        if match is None or match.group(2) not in _HTML_TAGS:
            raise _ApiError(400, f"Bad Request: can't parse entities: unsupported start tag at byte offset {lt}")
        closing, tag = match.group(1), match.group(2)
        if closing:
            if not stack or stack.pop() != tag:
                raise _ApiError(400, f"Bad Request: can't parse entities: unexpected end tag at byte offset {lt}")
        else:
            stack.append(tag)
        position = match.end()
    if stack:
        raise _ApiError(400, "Bad Request: can't parse entities: can't find end tag corresponding to start tag")


def _parse_body(content_type: str, body: bytes, target: str) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
    files: dict[str, tuple[str, bytes]] = {}
    if not body:
        return params, files
    if content_type.startswith("application/json"):
        params.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[str(name)] = (filename, bytes(payload))
            else:
                params[str(name)] = bytes(payload).decode()
    return params, files


__all__ = ["BOT_ID", "BOT_USERNAME", "TOKEN", "Call", "Failure", "FakeBotAPI"]
