"""Instructor commands: /reload, scenario upload, /class, /export, /transcript.

Authorisation is checked here, on the server, on every call, by Telegram user id against
`instructors` in the config (the command menu shown to instructors is a convenience, not security).
Every instructor action is logged (`bot.telegram.audit`) and written to the audit log in the store
(`/audit`, `mi-trainer audit`) as done, refused or failed, and so is every refused attempt.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.pseudonyms import SECRET_NAME, looks_like_pseudonym, pseudonym
from bot.storage import AuditEntry, SessionInfo, StorageError
from bot.telegram.delivery import message
from bot.telegram.handlers import outcome_text
from bot.telegram.ordering import chat_key
from bot.telegram.text import Html, Texts, join
from bot.telegram.trainer import ReloadReport, Trainer
from state_machines.library import ScenarioLibrary
from state_machines.loader import MAX_FILE_BYTES, Problem, ScenarioError, load_scenario_text

_LOG = logging.getLogger("bot.telegram")
_AUDIT = logging.getLogger("bot.telegram.audit")

Context = ContextTypes.DEFAULT_TYPE
SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")  # with a BOM: spreadsheets then read æ, ø, å right


def _problems(problems: Sequence[Problem], limit: int = 40) -> Html:
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… (+{len(problems) - limit})")
    return Html("\n".join(f"<code>{_esc(line)}</code>" for line in lines))


def _esc(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class InstructorHandlers:
    """The instructor side of the bot, bound to one `Trainer`."""

    def __init__(self, trainer: Trainer) -> None:
        self.t = trainer

    def command(self, name: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        action = getattr(self, f"cmd_{name}")

        async def run(update: Update, context: Context) -> None:
            user = update.effective_user
            actor = str(user.id if user else None)
            if not self.t.is_instructor(update):
                _AUDIT.warning("refused /%s for user %s (not an instructor)", name, actor)
                await self.audit(actor, name, "", "refused")  # not their arguments: a learner's text
                texts = self.t.texts(await self.t.learner(update))
                await self.t.say(update, [message(texts("instructor.denied"))], kind="denied")
                return
            arguments = " ".join(context.args or [])[:200]
            _AUDIT.info("instructor %s: /%s %s", actor, name, arguments)
            try:
                await action(update, context)
            except Exception:
                await self.audit(actor, name, arguments, "failed")
                raise
            await self.audit(actor, name, arguments, "done")

        run.__name__ = f"cmd_{name}"
        return run

    async def audit(self, actor: str, action: str, arguments: str, outcome: str) -> None:
        """Write the audit row; a store failure is logged, never hides the action's own outcome."""
        try:
            await self.t.store.write_audit(AuditEntry(actor, action, arguments, outcome))
        except (StorageError, sqlite3.Error) as error:
            _AUDIT.error("could not write the audit log (%s /%s %s): %s", actor, action, outcome, error)

    async def _pseudonyms(self) -> Callable[[int], str]:
        secret = await self.t.store.secret(SECRET_NAME)
        return lambda learner_id: pseudonym(secret, learner_id)

    async def _texts_for(self, update: Update) -> Texts:
        return self.t.texts(await self.t.learner(update))

    # ---------------------------------------------------------------- /reload and uploads

    def _report(self, texts: Texts, report: ReloadReport) -> list[Html]:
        parts: list[Html] = []
        if report.replaced:
            parts.append(texts("instructor.reloaded", count=len(report.ids), ids=", ".join(report.ids)))
        else:
            parts.append(texts("instructor.nothing_loaded", path=str(self.t.config.dialogues_path)))
        if report.problems:
            parts.append(texts("instructor.problems", problems=_problems(report.problems)))
        if report.kept:
            parts.append(texts("instructor.kept", ids=", ".join(report.kept)))
        return parts

    async def cmd_reload(self, update: Update, context: Context) -> None:
        texts = await self._texts_for(update)
        report = await self.t.reload()
        _AUDIT.info("reload: %d scenarios, %d problems", len(report.ids), len(report.problems))
        await self.t.say(update, [message(join(self._report(texts, report), "\n\n"))], kind="instructor")

    async def upload(self, update: Update, context: Context) -> None:
        """A document in a private chat: an instructor's scenario upload, or a learner's non-text message."""
        texts = await self._texts_for(update)
        msg = update.effective_message
        document = msg.document if msg is not None else None
        user = update.effective_user
        if document is None or not self.t.is_instructor(update):
            if document is not None and (document.file_name or "").lower().endswith((".yaml", ".yml")):
                await self.audit(str(user.id if user else None), "upload", "", "refused")
            await self.t.say(update, [message(texts("not_text"))], kind="ignored")
            return
        actor = str(user.id if user else None)
        filename = os.path.basename(document.file_name or "scenario.yaml").strip() or "scenario.yaml"
        _AUDIT.info("instructor %s uploaded %r (%s bytes)", user.id if user else None, filename, document.file_size)
        if not filename.lower().endswith((".yaml", ".yml")):
            await self.t.say(update, [message(texts("instructor.upload_not_yaml"))], kind="instructor")
            return
        if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
            await self.t.say(update, [message(texts("instructor.upload_too_big", limit=MAX_FILE_BYTES))],
                             kind="instructor")
            return
        try:
            file = await self.t.delivery.call(lambda: context.bot.get_file(document.file_id), "getFile")
            data = bytes(await self.t.delivery.call(file.download_as_bytearray, "download"))
        except Exception:
            await self.audit(actor, "upload", f"{filename} not downloaded", "failed")
            raise
        if len(data) > MAX_FILE_BYTES:
            await self.t.say(update, [message(texts("instructor.upload_too_big", limit=MAX_FILE_BYTES))],
                             kind="instructor")
            return
        try:
            scenario = await asyncio.to_thread(load_scenario_text, data, filename)
            if not SAFE_ID.match(scenario.id):
                raise ScenarioError([Problem(filename, 1, f"id {scenario.id!r} is not a safe file name")])
            await asyncio.to_thread(ScenarioLibrary, {scenario.id: scenario})  # builds its machine: fails now
        except ScenarioError as error:
            _AUDIT.info("upload %r rejected: %d problems", filename, len(error.problems))
            await self.audit(actor, "upload", f"{filename} invalid ({len(error.problems)} problems)", "failed")
            await self.t.say(update, [message(texts("instructor.upload_rejected", filename=filename,
                                                    problems=_problems(error.problems)))], kind="instructor")
            return
        except ValueError as error:
            problem = Problem(filename, 0, str(error))
            await self.audit(actor, "upload", f"{filename} invalid", "failed")
            await self.t.say(update, [message(texts("instructor.upload_rejected", filename=filename,
                                                    problems=_problems([problem])))], kind="instructor")
            return
        target = self._target(scenario.id)
        uploaded_before = await self.t.store.scenario_uploader(scenario.id) is not None
        if (self.t.scenario(scenario.id) is not None or target.exists()) and not uploaded_before:
            # a shipped or operator-installed scenario is never replaced from a chat: only the
            # instructors' own uploads are (editing and re-sending is the normal way to fix one)
            _AUDIT.warning("upload %r refused: id %s belongs to a scenario that was not uploaded", filename,
                           scenario.id)
            await self.audit(actor, "upload", f"{filename} id={scenario.id} taken", "refused")
            await self.t.say(update, [message(texts("instructor.upload_taken", filename=filename, id=scenario.id,
                                                    path=target.name))], kind="instructor")
            return
        try:
            await asyncio.to_thread(_write_atomically, target, data)
        except OSError as failure:
            await self.audit(actor, "upload", f"{filename} id={scenario.id} not written", "failed")
            await self.t.say(update, [message(texts("instructor.upload_failed", error=failure.strerror or failure))],
                             kind="instructor")
            return
        if user is not None:
            await self.t.store.record_scenario_upload(scenario.id, user.id)
        report = await self.t.reload()
        _AUDIT.info("installed scenario %s as %s", scenario.id, target)
        await self.audit(actor, "upload", f"{filename} id={scenario.id}" + (" replaced" if uploaded_before else ""),
                         "done")
        done = "instructor.upload_replaced" if uploaded_before else "instructor.upload_installed"
        parts = [texts(done, title=scenario.title, id=scenario.id, path=target.name),
                 *self._report(texts, report)]
        await self.t.say(update, [message(join(parts, "\n\n"))], kind="instructor")

    def _target(self, scenario_id: str) -> Path:
        """Where an uploaded scenario goes: over the file that holds that id now, else `<id>.yaml`."""
        folder = self.t.config.dialogues_path.resolve()
        current = self.t.scenario(scenario_id)
        if current is not None and current.source:
            source = Path(current.source).resolve()
            if source.parent == folder:
                return source
        return folder / f"{scenario_id}.yaml"

    # ---------------------------------------------------------------- /class, /export, /transcript

    async def cmd_class(self, update: Update, context: Context) -> None:
        texts = await self._texts_for(update)
        learners = await self.t.store.learners()
        if not learners:
            await self.t.say(update, [message(texts("instructor.class_none"))], kind="instructor")
            return
        sessions = await self.t.store.sessions()
        by_learner: dict[int, list[SessionInfo]] = {}
        for info in sessions:
            by_learner.setdefault(info.learner_id, []).append(info)
        rows = [texts("instructor.class_title", count=len(learners))]
        for learner in learners:
            own = by_learner.get(learner.id, [])
            inactive = texts.plain("instructor.class_inactive") if not learner.active else ""
            name = learner.name or str(learner.id)
            if not own:
                rows.append(texts("instructor.class_row_empty", name=name, id=learner.id, inactive=inactive))
                continue
            latest = own[-1]
            scenario = self.t.scenario(latest.scenario_id)
            rows.append(texts(
                "instructor.class_row", name=name, id=learner.id, inactive=inactive, sessions=len(own),
                scenario=scenario.title if scenario else latest.scenario_id, turns=latest.turns,
                rq=_fmt(latest.rq, texts), cr=_fmt(latest.percent_complex, texts, percent=True),
                outcome=outcome_text(texts, latest.outcome, latest.status),
            ))
        await self.t.say(update, [message(join(rows))], kind="instructor")

    async def cmd_export(self, update: Update, context: Context) -> None:
        texts = await self._texts_for(update)
        args = context.args or []
        if args not in ([], ["pseudo"]):
            await self.t.say(update, [message(texts("instructor.export_usage"))], kind="instructor")
            return
        pseudo = self.t.config.privacy.pseudonymise_exports or args == ["pseudo"]
        alias = await self._pseudonyms() if pseudo else None
        learners = {learner.id: learner for learner in await self.t.store.learners()}
        sessions = await self.t.store.sessions()
        session_rows: list[list[object]] = []
        turn_rows: list[list[object]] = []
        for info in sessions:
            learner = learners.get(info.learner_id)
            learner_id: object = info.learner_id if alias is None else alias(info.learner_id)
            name = (learner.name if learner else "") if alias is None else learner_id
            session_rows.append([
                info.id, learner_id, name, info.scenario_id, info.language,
                info.status, info.outcome or "", info.turns, _csv_number(info.rq), _csv_number(info.percent_complex),
                info.started_at, info.ended_at or "",
            ])
            for turn in await self.t.store.turns(info.id):
                record: Any = turn.record
                client = record["client"]
                turn_rows.append([
                    info.id, learner_id, info.scenario_id, turn.turn, turn.created_at, record["text"],
                    record["coded"]["primary"], " ".join(record["coded"]["codes"]), client["line"], client["talk"],
                    client["state_before"], client["state"], _kv(client["variables_before"]),
                    _kv(client["variables"]), client.get("outcome") or "", record["feedback"]["text"],
                ])
        sessions_csv = _csv(
            ["session_id", "learner_id", "learner_name", "scenario_id", "language", "status", "outcome", "turns",
             "reflection_to_question", "percent_complex_reflections", "started_at", "ended_at"],
            session_rows,
        )
        turns_csv = _csv(
            ["session_id", "learner_id", "scenario_id", "turn", "created_at", "reply", "primary_code", "codes",
             "client_line", "talk", "state_before", "state_after", "variables_before", "variables_after",
             "outcome", "feedback"],
            turn_rows,
        )
        await self.t.say(update, [], kind="instructor")
        chat = chat_key(update)
        assert chat is not None
        bot = context.bot
        suffix = "_pseudo" if pseudo else ""
        await self.t.delivery.call(
            lambda: bot.send_document(chat, sessions_csv, filename="mi-trainer-sessions.csv",
                                      caption=texts.plain(f"instructor.export_sessions{suffix}")),
            "sendDocument",
        )
        await self.t.delivery.call(
            lambda: bot.send_document(chat, turns_csv, filename="mi-trainer-turns.csv",
                                      caption=texts.plain(f"instructor.export_turns{suffix}")),
            "sendDocument",
        )

    async def cmd_transcript(self, update: Update, context: Context) -> None:
        texts = await self._texts_for(update)
        args = context.args or []
        valid = len(args) == 2 and (looks_like_pseudonym(args[0]) or (args[0].isdigit() and len(args[0]) <= 18))
        if not valid or not (args[1].isdigit() and len(args[1]) <= 18):
            await self.t.say(update, [message(texts("instructor.transcript_usage"))], kind="instructor")
            return
        alias = await self._pseudonyms()
        session_id = int(args[1])
        info = await self.t.store.session(session_id)
        wanted = args[0]
        if info is None or wanted not in (str(info.learner_id), alias(info.learner_id)):
            await self.t.say(update, [message(texts("instructor.transcript_not_found", learner=wanted,
                                                    session=session_id))], kind="instructor")
            return
        learner_id = info.learner_id
        learner = await self.t.store.learner(learner_id)
        shown: object = learner.name if learner else learner_id
        if self.t.config.privacy.pseudonymise_exports:
            shown = alias(learner_id)
        scenario = self.t.scenario(info.scenario_id)
        client = scenario.client.name if scenario else "Client"
        rows = [texts("instructor.transcript_title", session=info.id, name=shown,
                      title=scenario.title if scenario else info.scenario_id,
                      status=outcome_text(texts, info.outcome, info.status))]
        opening = info.snapshot.get("opening", {})
        if isinstance(opening, dict) and opening.get("text"):
            rows.append(texts("instructor.transcript_opening", client=client, line=opening["text"]))
        for turn in await self.t.store.turns(info.id):
            record: Any = turn.record
            rows.append(texts("instructor.transcript_turn", turn=turn.turn, codes=", ".join(record["coded"]["codes"]),
                              reply=record["text"], client=client, line=record["client"]["line"]))
        await self.t.say(update, [message(join(rows, "\n\n"))], kind="instructor")

    async def cmd_audit(self, update: Update, context: Context) -> None:
        texts = await self._texts_for(update)
        args = context.args or []
        if len(args) > 1 or (args and not (args[0].isdigit() and 1 <= int(args[0][:4]) <= 200)):
            await self.t.say(update, [message(texts("instructor.audit_usage"))], kind="instructor")
            return
        entries = await self.t.store.audit_entries(int(args[0]) if args else 20)
        if not entries:
            await self.t.say(update, [message(texts("instructor.audit_none"))], kind="instructor")
            return
        rows = [texts("instructor.audit_title", count=len(entries))]
        rows += [texts("instructor.audit_row", at=e.at[:16].replace("T", " "), actor=e.actor, action=e.action,
                       arguments=e.arguments, outcome=e.outcome) for e in entries]
        await self.t.say(update, [message(join(rows))], kind="instructor")


def _fmt(value: float | None, texts: Texts, percent: bool = False) -> str:
    if value is None:
        return texts.plain("progress.missing")
    return f"{int(value)} %" if percent else f"{value:.1f}".replace(".", "," if texts.lang == "da" else ".")


def _csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _kv(values: Any) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(dict(values).items()))


def _write_atomically(target: Path, data: bytes) -> None:
    temporary = target.with_name(f".{target.name}.upload")
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, target)


__all__ = ["InstructorHandlers", "csv_cell"]
