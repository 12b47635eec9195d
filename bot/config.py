"""Configuration of the Telegram bot: a YAML file plus environment overrides for secrets.

The keys `telegram.token`, `telegram.base_url`, `storage.path`, `dialogues.path`, `instructors` and
`default_language` are a public contract; `config.example.yaml` documents every key. Anything wrong
raises `ConfigError` whose message is one line naming the file and the key.

Environment (wins over the file): MI_TRAINER_TOKEN, MI_TRAINER_BASE_URL, MI_TRAINER_STORAGE_PATH,
MI_TRAINER_DIALOGUES_PATH, MI_TRAINER_INSTRUCTORS (comma-separated ids), MI_TRAINER_DEFAULT_LANGUAGE,
MI_TRAINER_WEBHOOK_SECRET.

Relative paths are resolved against the folder of the config file (`dialogues.path` falls back to
the working directory when it does not exist there).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_CONFIG = "config.yaml"
LANGUAGES = ("da", "en")
TOKEN_PATTERN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$")
"""`<bot id>:<secret>` as BotFather gives it."""

ENV_TOKEN = "MI_TRAINER_TOKEN"
ENV_WEBHOOK_SECRET = "MI_TRAINER_WEBHOOK_SECRET"
_SECRET_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """The configuration cannot be used; `str(error)` is one line saying what and where."""


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Webhook mode: Telegram POSTs updates to `url`; we listen on `listen:port` at `path`."""

    url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "/telegram"
    secret_token: str | None = None


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str = ""
    mode: str = "polling"
    poll_timeout: int = 30
    concurrent_updates: int = 64
    http_client: str = "aiohttp"
    webhook: WebhookConfig = field(default_factory=WebhookConfig)

    def __repr__(self) -> str:  # the token never appears in logs or tracebacks
        return f"TelegramConfig(token='***', base_url={self.base_url!r}, mode={self.mode!r})"


DEFAULT_RETENTION_DAYS = 180
MAX_RETENTION_DAYS = 36500


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    """How long transcripts are kept, and whether exports name learners."""

    retention_days: int = DEFAULT_RETENTION_DAYS
    """Sessions untouched for this many days are deleted with their turns; 0 keeps them forever."""
    pseudonymise_exports: bool = True
    """/export and /transcript show stable pseudonyms instead of names and Telegram ids."""


@dataclass(frozen=True, slots=True)
class Config:
    telegram: TelegramConfig
    storage_path: Path
    dialogues_path: Path
    instructors: frozenset[int] = frozenset()
    default_language: str = "da"
    log_level: str = "INFO"
    source: Path | None = None
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)

    def is_instructor(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.instructors


# ---------------------------------------------------------------- reading

_KNOWN: Mapping[str, Any] = {
    "telegram": {
        "token": None, "base_url": None, "base_file_url": None, "mode": None, "poll_timeout": None,
        "concurrent_updates": None, "http_client": None,
        "webhook": {"url": None, "listen": None, "port": None, "path": None, "secret_token": None},
    },
    "storage": {"path": None},
    "dialogues": {"path": None},
    "instructors": None,
    "default_language": None,
    "log_level": None,
    "privacy": {"retention_days": None, "pseudonymise_exports": None},
}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (PyYAML would silently keep the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ConfigError(f"line {key_node.start_mark.line + 1}: key {key!r} given twice")
        seen.add(key)
    return dict(loader.construct_mapping(node))


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_keys(data: Mapping[str, Any], known: Mapping[str, Any], where: str, prefix: str = "") -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if not isinstance(key, str) or key not in known:
            raise ConfigError(f"{where}: unknown key {name!r} (see config.example.yaml)")
        spec = known[key]
        if isinstance(spec, Mapping):
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: {name} must be a mapping")
            _check_keys(value, spec, where, f"{name}.")


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: Any, name: str, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f"{where}: {name} must be text")
    return str(value).strip()


def _int(value: Any, name: str, where: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{where}: {name} must be a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{where}: {name} must be between {low} and {high}")
    return number


def _instructors(value: Any, where: str) -> frozenset[int]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    if isinstance(value, int):  # bool included: rejected below
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(f"{where}: instructors must be a list of Telegram user ids")
    ids: set[int] = set()
    for item in value:
        if isinstance(item, bool):
            raise ConfigError(f"{where}: instructors: {item!r} is not a Telegram user id")
        try:
            number = int(item)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: instructors: {item!r} is not a Telegram user id") from None
        if number <= 0:
            raise ConfigError(f"{where}: instructors: {item!r} is not a Telegram user id")
        ids.add(number)
    return frozenset(ids)


def _resolve(path: str, base: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def _file_url(base_url: str) -> str:
    """The file download URL that goes with an API base URL (`…/bot` → `…/file/bot`)."""
    stripped = base_url.rstrip("/")
    if stripped.endswith("/bot"):
        return stripped[: -len("/bot")] + "/file/bot"
    return stripped + "/file"


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (default ./config.yaml) and apply the environment; ConfigError if unusable."""
    environ = os.environ if env is None else env
    explicit = path is not None
    source = Path(path if path is not None else DEFAULT_CONFIG)
    where = str(source)
    data: Mapping[str, Any] = {}
    if source.is_dir():
        raise ConfigError(f"{where}: is a folder, not a config file")
    if source.exists():
        try:
            raw = source.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: not UTF-8 text") from None
        except OSError as error:
            raise ConfigError(f"{where}: cannot read ({error.strerror})") from None
        try:
            loaded = yaml.load(raw, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
        except ConfigError as error:
            raise ConfigError(f"{where}: {error}") from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f"line {mark.line + 1}: " if mark is not None else ""
            problem = getattr(error, "problem", None) or "not valid YAML"
            raise ConfigError(f"{where}: {line}{problem}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, Mapping):
            raise ConfigError(f"{where}: the config must be a mapping of keys (see config.example.yaml)")
        _check_keys(loaded, _KNOWN, where)
        data = loaded
    elif explicit or not environ.get(ENV_TOKEN):
        raise ConfigError(
            f"{where}: config file not found (copy config.example.yaml, or set {ENV_TOKEN} to run with defaults)"
        )
    base = source.resolve().parent if source.exists() else Path.cwd()

    token = environ.get(ENV_TOKEN) or _text(_get(data, "telegram.token"), "telegram.token", where)
    if not token:
        raise ConfigError(f"{where}: telegram.token is missing (or set {ENV_TOKEN})")
    token = token.strip()
    if not TOKEN_PATTERN.match(token):
        origin = ENV_TOKEN if environ.get(ENV_TOKEN) else "telegram.token"
        raise ConfigError(f"{where}: {origin} is malformed (expected <bot id>:<secret> as BotFather gives it)")

    base_url = environ.get("MI_TRAINER_BASE_URL") or _text(_get(data, "telegram.base_url"), "telegram.base_url",
                                                             where) or DEFAULT_BASE_URL
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise ConfigError(f"{where}: telegram.base_url must be an http(s) URL, e.g. {DEFAULT_BASE_URL}")
    base_url = base_url.rstrip("/")
    file_url = _text(_get(data, "telegram.base_file_url"), "telegram.base_file_url", where) or _file_url(base_url)
    if not re.match(r"^https?://[^\s/]+", file_url):
        raise ConfigError(f"{where}: telegram.base_file_url must be an http(s) URL")

    mode = _text(_get(data, "telegram.mode"), "telegram.mode", where) or "polling"
    if mode not in ("polling", "webhook"):
        raise ConfigError(f"{where}: telegram.mode must be polling or webhook, not {mode!r}")
    poll_timeout = _int(_get(data, "telegram.poll_timeout"), "telegram.poll_timeout", where, 0, 50)
    concurrent = _int(_get(data, "telegram.concurrent_updates"), "telegram.concurrent_updates", where, 1, 4096)
    http_client = _text(_get(data, "telegram.http_client"), "telegram.http_client", where) or "aiohttp"
    if http_client not in ("aiohttp", "httpx"):
        raise ConfigError(f"{where}: telegram.http_client must be aiohttp or httpx, not {http_client!r}")

    secret = environ.get(ENV_WEBHOOK_SECRET) or _text(
        _get(data, "telegram.webhook.secret_token"), "telegram.webhook.secret_token", where
    )
    if secret and not _SECRET_TOKEN_PATTERN.match(secret):
        raise ConfigError(f"{where}: telegram.webhook.secret_token may only hold A-Z, a-z, 0-9, _ and -")
    url = _text(_get(data, "telegram.webhook.url"), "telegram.webhook.url", where) or ""
    hook_path = _text(_get(data, "telegram.webhook.path"), "telegram.webhook.path", where)
    if not hook_path:
        from urllib.parse import urlsplit

        hook_path = urlsplit(url).path or "/telegram" if url else "/telegram"
    if not hook_path.startswith("/"):
        hook_path = "/" + hook_path
    webhook = WebhookConfig(
        url=url,
        listen=_text(_get(data, "telegram.webhook.listen"), "telegram.webhook.listen", where) or "127.0.0.1",
        port=_int(_get(data, "telegram.webhook.port"), "telegram.webhook.port", where, 1, 65535) or 8443,
        path=hook_path,
        secret_token=secret or None,
    )
    if mode == "webhook" and not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise ConfigError(f"{where}: telegram.webhook.url must be the public https:// URL in webhook mode")

    storage = environ.get("MI_TRAINER_STORAGE_PATH") or _text(_get(data, "storage.path"), "storage.path", where)
    dialogues = environ.get("MI_TRAINER_DIALOGUES_PATH") or _text(
        _get(data, "dialogues.path"), "dialogues.path", where
    )
    dialogues_path = _resolve(dialogues or "dialogues", base)
    if not dialogues_path.is_dir() and not Path(dialogues or "dialogues").is_absolute():
        fallback = Path.cwd() / (dialogues or "dialogues")
        if fallback.is_dir():
            dialogues_path = fallback

    instructors_raw = environ.get("MI_TRAINER_INSTRUCTORS")
    instructors = _instructors(instructors_raw if instructors_raw is not None else data.get("instructors"), where)

    language = environ.get("MI_TRAINER_DEFAULT_LANGUAGE") or data.get("default_language") or "da"
    if language not in LANGUAGES:
        raise ConfigError(f"{where}: default_language must be da or en, not {language!r}")
    log_level = str(data.get("log_level") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"{where}: log_level must be DEBUG, INFO, WARNING or ERROR")

    retention = _int(_get(data, "privacy.retention_days"), "privacy.retention_days", where, 0, MAX_RETENTION_DAYS)
    pseudonymise = _get(data, "privacy.pseudonymise_exports")
    if pseudonymise is not None and not isinstance(pseudonymise, bool):
        raise ConfigError(f"{where}: privacy.pseudonymise_exports must be true or false")

    return Config(
        telegram=TelegramConfig(
            token=token,
            base_url=base_url,
            base_file_url=file_url.rstrip("/"),
            mode=mode,
            poll_timeout=30 if poll_timeout is None else poll_timeout,
            concurrent_updates=concurrent or 64,
            http_client=http_client,
            webhook=webhook,
        ),
        storage_path=_resolve(storage or "mi-trainer.sqlite3", base),
        dialogues_path=dialogues_path,
        instructors=instructors,
        default_language=str(language),
        log_level=log_level,
        source=source.resolve() if source.exists() else None,
        privacy=PrivacyConfig(
            retention_days=DEFAULT_RETENTION_DAYS if retention is None else retention,
            pseudonymise_exports=True if pseudonymise is None else pseudonymise,
        ),
    )


def check_dialogues(config: Config) -> None:
    """ConfigError unless `dialogues.path` is a folder with at least one scenario file."""
    path = config.dialogues_path
    if not path.exists():
        raise ConfigError(f"dialogues.path: folder not found: {path}")
    if not path.is_dir():
        raise ConfigError(f"dialogues.path: not a folder: {path}")
    if not any(p for p in path.glob("*.yaml") if not p.name.endswith(".test.yaml")):
        raise ConfigError(f"dialogues.path: no scenario files (*.yaml) in {path}")


__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_TOKEN",
    "Config",
    "ConfigError",
    "PrivacyConfig",
    "TelegramConfig",
    "WebhookConfig",
    "check_dialogues",
    "load_config",
]
