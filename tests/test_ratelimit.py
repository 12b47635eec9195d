"""The per-learner rate limit: the token bucket with a fake clock, and a flood through the real bot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fake_bot_api import FakeBotAPI
from test_telegram_e2e import LEARNER, MITTE_REPLIES, Running, User, db_rows

from bot.config import Config, load_config
from bot.telegram.ratelimit import RateLimiter, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_is_cut_at_capacity_and_told_once() -> None:
    clock = Clock()
    limiter = RateLimiter(capacity=10, rate=1, clock=clock)
    verdicts = [limiter.allow(7) for _ in range(100)]
    assert verdicts[:10] == [Verdict.ALLOW] * 10
    assert verdicts[10] is Verdict.LIMIT_NOTIFY
    assert verdicts[11:] == [Verdict.LIMIT_SILENT] * 89


def test_refill_and_a_new_burst_is_told_again() -> None:
    clock = Clock()
    limiter = RateLimiter(capacity=2, rate=1, clock=clock)
    assert [limiter.allow(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.LIMIT_NOTIFY]
    clock.now += 1.0
    assert limiter.allow(1) is Verdict.ALLOW
    assert limiter.allow(1) is Verdict.LIMIT_NOTIFY  # a new burst: told again
    assert limiter.allow(1) is Verdict.LIMIT_SILENT


def test_normal_typing_is_never_limited() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    for _ in range(1000):  # a fast typist: a message every 0.6 s, for 20 minutes
        assert limiter.allow(3) is Verdict.ALLOW
        clock.now += 0.6
    for _ in range(5):  # then five quick ones in a row (e.g. a pasted list)
        assert limiter.allow(3) is Verdict.ALLOW


def test_learners_are_limited_separately_and_clock_steps_back() -> None:
    clock = Clock()
    limiter = RateLimiter(capacity=1, rate=1, clock=clock)
    assert limiter.allow(1) is Verdict.ALLOW
    assert limiter.allow(2) is Verdict.ALLOW
    assert limiter.allow(1) is Verdict.LIMIT_NOTIFY
    clock.now -= 100  # a clock going backwards gives no tokens and does not crash
    assert limiter.allow(1) is Verdict.LIMIT_SILENT


def test_buckets_are_pruned() -> None:
    clock = Clock()
    limiter = RateLimiter(capacity=1, rate=1, clock=clock, max_keys=10)
    for key in range(10):
        limiter.allow(key)
    clock.now += 5
    limiter.allow(99)
    assert len(limiter) == 1


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        RateLimiter(capacity=0)
    with pytest.raises(ValueError):
        RateLimiter(rate=0)


@pytest.fixture
def config(fake_api: FakeBotAPI, write_config: Callable[..., Path]) -> Config:
    return load_config(write_config(fake_api))


async def test_flood_of_100_messages_is_limited_with_one_friendly_message(
        fake_api: FakeBotAPI, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        before = len(user.texts())
        for index in range(100):
            fake_api.send_text(LEARNER, MITTE_REPLIES[index % len(MITTE_REPLIES)])
        await bot.idle(fake_api, timeout=30)
        answers = user.texts()[before:]
    told = [text for text in answers if "gik stærkt" in text]
    assert len(told) == 1
    turns = db_rows(config.storage_path, "SELECT COUNT(*) FROM turns")[0][0]
    assert 1 <= turns <= 25  # only what the bucket allowed; the other ~90 changed nothing
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
