"""Stable pseudonyms for learners in exports: a keyed HMAC of the Telegram id.

The key is a secret kept in the database, so the same learner has the same pseudonym in every
export, and a pseudonym cannot be turned back into an id without the database.
"""

from __future__ import annotations

import hashlib
import hmac

SECRET_NAME = "export-pseudonyms"
"""The name of the key in the store's secrets."""
PREFIX = "L-"


def pseudonym(secret: bytes, learner_id: int) -> str:
    """`L-` and 10 hex digits (40 bits: no collision in any realistic class)."""
    digest = hmac.new(secret, f"learner:{learner_id}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:10]


def looks_like_pseudonym(value: str) -> bool:
    tail = value[len(PREFIX):]
    return value.startswith(PREFIX) and len(tail) == 10 and all(c in "0123456789abcdef" for c in tail)


__all__ = ["PREFIX", "SECRET_NAME", "looks_like_pseudonym", "pseudonym"]
