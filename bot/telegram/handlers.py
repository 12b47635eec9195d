"""Learner handlers: commands, buttons, practice turns, and the polite answers to everything else.

Each handler is wrapped by `_once`: an update whose id was already claimed (a re-delivery) is not
handled again; at most its still-queued answer is sent. Every handler ends in one store write that
claims the update (see `Trainer.say`) and then flushes the chat's outbox.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import i18n
from bot.coach import Summary
from bot.practice import InvalidReply, PracticeSession, SessionEnded
from bot.storage import FEEDBACK_MODES, LearnerData, NewSession, StaleSession, StorageError, now
from bot.telegram import keyboards
from bot.telegram.delivery import message
from bot.telegram.ordering import chat_key
from bot.telegram.ratelimit import RateLimiter, Verdict
from bot.telegram.text import Html, Texts, escape, join
from bot.telegram.trainer import Live, Lost, Trainer
from state_machines.model import Scenario

_LOG = logging.getLogger("bot.telegram")

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]

LEARNER_COMMANDS = (
    "start", "help", "scenarios", "hint", "feedback", "stop", "summary", "progress", "language", "settings",
    "privacy", "mydata", "forget",
)
INSTRUCTOR_COMMANDS = ("reload", "class", "export", "transcript", "audit")


def _number(value: float | None, texts: Texts, percent: bool = False) -> str:
    if value is None:
        return texts.plain("progress.missing")
    return f"{int(value)} %" if percent else f"{value:.1f}".replace(".", "," if texts.lang == "da" else ".")


def outcome_text(texts: Texts, outcome: str | None, status: str) -> str:
    key = outcome or status
    return texts.plain(f"outcome.{key}") if key in ("success", "partial", "dropout", "active", "stopped",
                                                     "abandoned", "ended") else key


class LearnerHandlers:
    """The learner side of the bot, bound to one `Trainer`."""

    def __init__(self, trainer: Trainer, limiter: RateLimiter | None = None) -> None:
        self.t = trainer
        self.limiter = limiter if limiter is not None else RateLimiter()

    # ---------------------------------------------------------------- plumbing

    def once(self, handler: Handler) -> Handler:
        """Skip updates that were handled before (re-delivered); finish their delivery instead."""

        async def run(update: Update, context: Context) -> None:
            if not await self._within_rate(update):
                return
            if await self.t.arrive(update):
                _LOG.info("update %s was handled before; not applied again", update.update_id)
                self.t.flush(update)
                if update.callback_query is not None:
                    await self.t.delivery.answer(update.callback_query.id)
                return
            try:
                await handler(update, context)
            finally:
                self.t.departed(update)

        run.__name__ = getattr(handler, "__name__", "handler")
        return run

    async def _within_rate(self, update: Update) -> bool:
        """Per-learner rate limit: a flooded update is dropped unhandled (nothing stored or applied).

        The learner is told once per burst. A dropped update is not claimed, so nothing about it is
        remembered; Telegram does not re-send it (the poller has moved past it).
        """
        user = update.effective_user
        if user is None:
            return True
        verdict = self.limiter.allow(user.id)
        if verdict is Verdict.ALLOW:
            return True
        _LOG.info("rate limit: update %s from user %s dropped", update.update_id, user.id)
        if update.callback_query is not None:
            await self.t.delivery.answer(update.callback_query.id)
        chat = chat_key(update)
        if verdict is Verdict.LIMIT_NOTIFY and chat is not None:
            texts = self.t.texts(await self.t.learner(update))
            try:
                await self.t.delivery.send_text(chat, texts("rate_limited"))
            except Exception as failure:  # best effort: the flood itself must not raise
                _LOG.warning("could not tell chat %s about the rate limit: %r", chat, failure)
        return False

    async def _consented(self, update: Update) -> tuple[Any, Texts] | None:
        learner = await self.t.learner(update)
        texts = self.t.texts(learner)
        if learner is None or not learner.consented:
            await self.t.say(update, [message(texts("need_consent"))])
            return None
        return learner, texts

    async def _live(self, update: Update) -> tuple[Any, Texts, Live] | None:
        """The consenting learner's conversation in progress; otherwise the learner is told why not
        (no consent, no session, or a session that could not be restored) and None comes back."""
        found = await self._consented(update)
        if found is None:
            return None
        learner, texts = found
        live = await self.t.practice(learner.id)
        if isinstance(live, Lost):
            await self._lost(update, live, texts)
            return None
        if live is None:
            await self.t.say(update, [message(texts("session.none"))])
            return None
        return learner, texts, live

    def _scenario_list(self, texts: Texts, language: str) -> tuple[Html, Any]:
        scenarios = self.t.scenarios_for(language)
        if not scenarios:
            return texts("scenarios.none"), None
        items = join([texts("scenarios.item", title=s.title, language=s.language) for s in scenarios])
        return texts("scenarios.choose", items=items), keyboards.scenarios(scenarios)

    # ---------------------------------------------------------------- commands

    async def start(self, update: Update, context: Context) -> None:
        learner = await self.t.learner(update)
        texts = self.t.texts(learner)
        user = update.effective_user
        name = user.first_name if user is not None else ""
        if learner is not None and learner.consented:
            parts = [texts("start.welcome_back", name=name)]
            found = await self.t.practice(learner.id)
            if isinstance(found, Live):
                scenario = found.practice.scenario
                parts.append(texts("start.resume", title=scenario.title, client=scenario.client.name))
            await self.t.say(update, [message(join(parts, "\n\n"))])
            return
        body = join([texts("start.welcome", name=name), texts("start.not_therapy"), texts("start.stored"),
                     texts("start.consent_question")], "\n\n")
        await self.t.say(update, [message(body, keyboards.consent(texts))])

    async def help(self, update: Update, context: Context) -> None:
        texts = self.t.texts(await self.t.learner(update))
        parts = [texts("help.learner")]
        if self.t.is_instructor(update):
            parts.append(texts("help.instructor"))
        await self.t.say(update, [message(join(parts))])

    async def scenarios(self, update: Update, context: Context) -> None:
        found = await self._consented(update)
        if found is None:
            return
        _, texts = found
        body, keyboard = self._scenario_list(texts, texts.lang)
        await self.t.say(update, [message(body, keyboard)])

    async def hint(self, update: Update, context: Context) -> None:
        found = await self._live(update)
        if found is None:
            return
        _, texts, live = found
        lang = live.practice.scenario.language
        hint = live.practice.hint() or i18n.text(lang, "practice.no_hint")
        await self.t.say(update, [message(texts("hint", hint=hint))])

    async def feedback(self, update: Update, context: Context) -> None:
        found = await self._consented(update)
        if found is None:
            return
        learner, texts = found
        args = [a.lower() for a in (context.args or [])]
        if not args:
            mode = texts.plain(f"feedback.mode.{learner.feedback}")
            await self.t.say(update, [message(texts("feedback.choose", mode=mode), keyboards.feedback(texts))])
            return
        if len(args) != 1 or args[0] not in FEEDBACK_MODES:
            await self.t.say(update, [message(texts("feedback.usage"))])
            return
        await self._set_feedback(update, learner, texts, args[0])

    async def _set_feedback(self, update: Update, learner: Any, texts: Texts, mode: str) -> None:
        changed = dataclasses.replace(learner, feedback=mode, active=True)
        reply = message(texts("feedback.set", mode=texts.plain(f"feedback.mode.{mode}")))
        await self.t.store.save_learner(changed, self.t.claim(update, "settings"), [reply])
        self.t.flush(update)

    async def stop(self, update: Update, context: Context) -> None:
        found = await self._live(update)
        if found is None:
            return
        learner, texts, live = found
        summary = live.practice.summary()
        outbox = [message(texts("session.stopped")),
                  message(texts("session.summary", text=summary.text), kind="summary"),
                  message(texts("session.again"))]
        try:
            await self.t.store.end_session(self.t.claim(update, "stop"), live.session_id, "stopped",
                                           summary.to_json(), outbox)
        finally:
            self.t.drop(learner.id)
        self.t.flush(update)

    async def summary(self, update: Update, context: Context) -> None:
        found = await self._consented(update)
        if found is None:
            return
        learner, texts = found
        live = await self.t.practice(learner.id)
        if isinstance(live, Live):
            text = live.practice.summary().text
        else:
            stored = [s.summary for s in await self.t.store.sessions(learner.id) if s.summary]
            if not stored:
                await self.t.say(update, [message(texts("summary_none"))])
                return
            last = stored[-1]
            # A session that ended has its text stored; one left mid-way only its numbers.
            text = str(last["text"]) if "text" in last else Summary.from_json(last).text
        await self.t.say(update, [message(texts("session.summary", text=text), kind="summary")])

    async def progress(self, update: Update, context: Context) -> None:
        found = await self._consented(update)
        if found is None:
            return
        learner, texts = found
        sessions = await self.t.store.sessions(learner.id)
        if not sessions:
            await self.t.say(update, [message(texts("progress.none"))])
            return
        rows = [texts("progress.title", count=len(sessions))]
        for info in sessions[-20:]:
            scenario = self.t.scenario(info.scenario_id)
            rows.append(texts(
                "progress.row", date=info.started_at[:10], title=scenario.title if scenario else info.scenario_id,
                turns=info.turns, rq=_number(info.rq, texts), cr=_number(info.percent_complex, texts, percent=True),
                outcome=outcome_text(texts, info.outcome, info.status),
            ))
        await self.t.say(update, [message(join(rows))])

    async def language(self, update: Update, context: Context) -> None:
        learner = await self.t.learner(update)
        texts = self.t.texts(learner)
        args = [a.lower() for a in (context.args or [])]
        if not args:
            await self.t.say(update, [message(texts("language.choose"), keyboards.languages())])
            return
        if len(args) != 1 or args[0] not in i18n.LANGUAGES:
            await self.t.say(update, [message(texts("language.usage"))])
            return
        await self._set_language(update, learner, args[0])

    async def _set_language(self, update: Update, learner: Any, language: str) -> None:
        changed = (dataclasses.replace(learner, language=language, active=True) if learner is not None
                   else self.t.new_learner(update, language=language))
        await self.t.store.save_learner(changed, self.t.claim(update, "settings"),
                                        [message(Texts(language)("language.set"))])
        self.t.flush(update)

    async def settings(self, update: Update, context: Context) -> None:
        found = await self._consented(update)
        if found is None:
            return
        learner, texts = found
        body = texts("settings", language=texts.plain(f"language.name.{texts.lang}"),
                     feedback=texts.plain(f"feedback.mode.{learner.feedback}"),
                     consent=(learner.consent_at or "")[:16].replace("T", " "))
        await self.t.say(update, [message(body)])

    async def privacy(self, update: Update, context: Context) -> None:
        texts = self.t.texts(await self.t.learner(update))
        days = self.t.config.privacy.retention_days
        retention = texts("privacy_retention", days=days) if days else texts("privacy_forever")
        await self.t.say(update, [message(texts("privacy", retention=retention))])

    async def mydata(self, update: Update, context: Context) -> None:
        user = update.effective_user
        assert user is not None
        data = await self.t.store.learner_data(user.id)
        texts = self.t.texts(data.learner)
        if data.learner is None:
            await self.t.say(update, [message(texts("mydata.none"))])
            return
        payload = json.dumps(_learner_json(data), ensure_ascii=False, indent=2).encode()
        await self.t.say(update, [])  # claim first: a re-delivery does not send it twice
        chat = chat_key(update)
        assert chat is not None
        await self.t.delivery.call(
            lambda: update.get_bot().send_document(chat, payload, filename=f"mi-trainer-{user.id}.json",
                                                   caption=texts.plain("mydata.caption")),
            "sendDocument",
        )

    async def forget(self, update: Update, context: Context) -> None:
        learner = await self.t.learner(update)
        texts = self.t.texts(learner)
        if learner is None:
            await self.t.say(update, [message(texts("forget.none"))])
            return
        await self.t.say(update, [message(texts("forget.confirm"), keyboards.forget(texts))])

    # ---------------------------------------------------------------- buttons

    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        callback = keyboards.decode(query.data)
        learner = await self.t.learner(update)
        texts = self.t.texts(learner)
        if callback is None:
            await self.t.say(update, [], kind="callback")
            await self.t.delivery.answer(query.id, texts.plain("stale_button"))
            return
        await self.t.delivery.answer(query.id)
        chat = chat_key(update)
        msg = query.message
        message_id = msg.message_id if msg is not None else None

        if callback.action == "consent":
            if learner is not None and learner.consented:
                await self.t.say(update, [message(texts("start.already"))], kind="callback")
                return
            user = update.effective_user
            base = learner if learner is not None else self.t.new_learner(update)
            changed = dataclasses.replace(base, consent_at=now(), name=user.first_name if user else "", active=True)
            body, keyboard = self._scenario_list(texts, texts.lang)
            outbox = [message(texts("start.consented")), message(body, keyboard)]
            if await self.t.store.save_learner(changed, self.t.claim(update, "consent"), outbox):
                self.t.flush(update)
                if chat is not None and message_id is not None and msg is not None:
                    await self.t.delivery.edit(chat, message_id, _html_of(msg))
            return

        if callback.action == "lang" and callback.argument in i18n.LANGUAGES:
            await self._set_language(update, learner, callback.argument)
            return

        if learner is None or not learner.consented:
            await self.t.say(update, [message(texts("need_consent"))], kind="callback")
            return

        if callback.action in ("sc", "sh"):
            scenario = keyboards.find_scenario(callback, self.t.library)
            if scenario is None:
                await self.t.say(update, [message(texts("scenarios.unknown"))], kind="callback")
                return
            await self._begin(update, learner, texts, scenario)
            if chat is not None and message_id is not None:
                await self.t.delivery.edit(chat, message_id, texts("scenarios.chosen", title=scenario.title))
        elif callback.action == "scenarios":
            body, keyboard = self._scenario_list(texts, texts.lang)
            await self.t.say(update, [message(body, keyboard)], kind="callback")
        elif callback.action == "fb" and callback.argument in FEEDBACK_MODES:
            await self._set_feedback(update, learner, texts, callback.argument)
        elif callback.action == "forget":
            confirmed = keyboards.forget_confirmed(callback.argument)
            if confirmed is None:
                await self.t.say(update, [message(texts("forget.expired"))], kind="callback")
            elif confirmed:
                self.t.drop(learner.id)
                done = Texts(texts.lang)("forget.done")
                await self.t.store.forget_learner(self.t.claim(update, "forget"), learner.id, [message(done)])
                self.t.flush(update)
                _LOG.info("learner %s deleted their data", learner.id)
            else:
                await self.t.say(update, [message(texts("forget.cancelled"))], kind="callback")
            if chat is not None and message_id is not None and confirmed is not None:
                await self.t.delivery.edit(chat, message_id, texts("forget.confirm"))
        else:
            await self.t.say(update, [], kind="callback")

    async def _begin(self, update: Update, learner: Any, texts: Texts, scenario: Scenario) -> None:
        seed = self.t.seed()
        practice = PracticeSession.begin(self.t.library, scenario.id, seed, self.t.coder, self.t.coach)
        client = scenario.client
        who = f"{client.name}, {client.age}" if client.age else client.name
        if client.background:
            who = f"{who} — {client.background.strip()}"
        outbox = []
        previous = await self.t.store.active_session(learner.id)
        if previous is not None:
            old = self.t.scenario(previous.scenario_id)
            outbox.append(message(texts("scenarios.replaced", title=old.title if old else previous.scenario_id)))
        outbox.append(message(texts("session.briefing", title=scenario.title, description=scenario.description.strip(),
                                    client=who, name=client.name), kind="briefing"))
        outbox.append(message(texts("session.client", name=client.name, line=practice.opening.line.text),
                              kind="client"))
        new = NewSession(scenario.id, scenario.language, seed, practice.snapshot())
        changed = dataclasses.replace(learner, active=True)
        try:
            session_id = await self.t.store.start_session(self.t.claim(update, "scenario"), changed, new, outbox)
        except BaseException:
            practice.close()
            raise
        if session_id is None:
            practice.close()
            return
        self.t.remember(learner.id, session_id, practice)
        self.t.flush(update)

    async def _lost(self, update: Update, lost: Lost, texts: Texts) -> None:
        _LOG.warning("session %s of learner %s abandoned: %s", lost.info.id, lost.info.learner_id, lost.reason)
        await self.t.store.end_session(self.t.claim(update, "lost"), lost.info.id, "abandoned", None,
                                       [message(texts("session.lost"))])
        self.t.flush(update)

    # ---------------------------------------------------------------- the practice turn

    async def reply(self, update: Update, context: Context) -> None:
        msg = update.effective_message
        assert msg is not None and msg.text is not None
        found = await self._live(update)
        if found is None:
            return
        learner, texts, live = found
        chat = chat_key(update)
        if chat is not None:
            self.t.delivery.start_typing(chat)  # concurrently with the turn; delivery waits for it
        practice = live.practice
        try:
            result = practice.reply(msg.text)
        except InvalidReply as problem:
            await self.t.say(update, [message(escape(i18n.text(texts.lang, problem.message_key)))], kind="invalid")
            return
        except SessionEnded:
            await self.t.say(update, [message(texts("session.ended_already"))])
            return
        record = result.record
        scenario = practice.scenario
        outbox = [message(texts("session.client", name=scenario.client.name, line=record.client.line.text),
                          kind="client")]
        if learner.feedback == "on":
            outbox.append(message(texts("session.feedback", text=record.feedback.text), kind="feedback"))
        summary = result.summary or practice.summary()
        if result.ended:
            outcome = record.client.outcome.value if record.client.outcome else None
            outbox.append(message(texts("session.ended", outcome=outcome_text(texts, outcome, "ended"))))
            if learner.feedback != "off":
                outbox.append(message(texts("session.summary", text=summary.text), kind="summary"))
            outbox.append(message(texts("session.again")))
        try:
            applied = await self.t.store.record_turn(
                self.t.claim(update, "turn"), live.session_id, record.to_json(), practice.snapshot(),
                summary.to_json(text=result.ended), outbox,  # the text is rendered again when read
            )
        except BaseException:
            self.t.drop(learner.id)  # memory ran ahead of the store: restore from it next time
            raise
        if not applied or result.ended:
            self.t.drop(learner.id)
        if not learner.active:
            await self.t.store.set_active(learner.id, True)
        self.t.flush(update)

    # ---------------------------------------------------------------- everything else

    async def not_text(self, update: Update, context: Context) -> None:
        texts = self.t.texts(await self.t.learner(update))
        await self.t.say(update, [message(texts("not_text"))], kind="ignored")

    async def edited(self, update: Update, context: Context) -> None:
        texts = self.t.texts(await self.t.learner(update))
        await self.t.say(update, [message(texts("edited"))], kind="ignored")

    async def group(self, update: Update, context: Context) -> None:
        if update.callback_query is not None:
            await self.t.delivery.answer(update.callback_query.id)
        texts = Texts(self.t.config.default_language)
        await self.t.say(update, [message(texts("group"))], kind="ignored")

    async def unknown_command(self, update: Update, context: Context) -> None:
        texts = self.t.texts(await self.t.learner(update))
        await self.t.say(update, [message(texts("unknown_command"))], kind="ignored")

    async def member(self, update: Update, context: Context) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type != "private":
            return
        learner = await self.t.store.learner(change.from_user.id)
        if learner is not None:
            active = change.new_chat_member.status not in ("kicked", "left")
            await self.t.store.set_active(learner.id, active)

    # ---------------------------------------------------------------- errors

    async def on_error(self, update: object, context: Context) -> None:
        error = context.error
        if not isinstance(update, Update):
            _LOG.error("error outside an update: %r", error, exc_info=error)
            return
        chat = chat_key(update)
        user = update.effective_user
        user_id = user.id if user else None
        if isinstance(error, StorageError) and not isinstance(error, StaleSession):
            # A locked or full database is an operating condition, not a bug: one clear line, no traceback.
            _LOG.error("storage failed while handling update %s (chat %s, user %s): %s; the learner is asked "
                       "to send it again", update.update_id, chat, user_id, error)
        else:
            _LOG.error("error while handling update %s (chat %s, user %s): %r", update.update_id, chat, user_id,
                       error, exc_info=error)
        if chat is None:
            return
        try:
            processed = await self.t.store.is_processed(update.update_id)
            learner = await self.t.learner(update)
        except Exception:
            processed, learner = False, None
        texts = self.t.texts(learner)
        try:
            await self.t.delivery.send_text(chat, texts("error_delivery" if processed else "error"))
        except Exception as failure:  # the network may be what failed: nothing more to do here
            _LOG.warning("could not tell chat %s about the error: %r", chat, failure)

    # ---------------------------------------------------------------- registration

    def register(self, application: Application[Any, Any, Any, Any, Any, Any], instructor: Any) -> None:
        private = filters.ChatType.PRIVATE
        once = self.once
        application.add_handler(MessageHandler(~private & ~filters.UpdateType.EDITED, once(self.group)))
        application.add_handler(MessageHandler(filters.UpdateType.EDITED, once(self.edited)))
        for name in LEARNER_COMMANDS:
            application.add_handler(CommandHandler(name, once(getattr(self, name)), filters=private))
        for name in INSTRUCTOR_COMMANDS:
            application.add_handler(CommandHandler(name, once(instructor.command(name)), filters=private))
        application.add_handler(MessageHandler(private & filters.Document.ALL, once(instructor.upload)))
        application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, once(self.reply)))
        application.add_handler(MessageHandler(private & filters.COMMAND, once(self.unknown_command)))
        application.add_handler(MessageHandler(private, once(self.not_text)))
        application.add_handler(CallbackQueryHandler(once(self.button)))
        application.add_handler(ChatMemberHandler(self.member, ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_error_handler(self.on_error)


def _html_of(msg: Any) -> str:
    """A message's text as HTML (for an edit that only drops the keyboard)."""
    html_text = getattr(msg, "text_html", None)
    return str(html_text) if html_text else escape(getattr(msg, "text", "") or "")


def _learner_json(data: LearnerData) -> dict[str, Any]:
    learner = data.learner
    return {
        "learner": None if learner is None else dataclasses.asdict(learner),
        "sessions": [
            {**{k: v for k, v in dataclasses.asdict(s).items()}, "turns": [
                {"turn": t.turn, "created_at": t.created_at, **dict(t.record)} for t in data.turns.get(s.id, [])
            ]}
            for s in data.sessions
        ],
    }


__all__ = ["INSTRUCTOR_COMMANDS", "LEARNER_COMMANDS", "LearnerHandlers", "outcome_text"]
