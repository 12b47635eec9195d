"""Configuration: the contract keys, environment overrides, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import DEFAULT_BASE_URL, ConfigError, check_dialogues, load_config

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABC-def_ghi"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_documents_every_key_and_loads() -> None:
    example = ROOT / "config.example.yaml"
    config = load_config(example, env={})
    text = example.read_text(encoding="utf-8")
    for key in ("token:", "base_url:", "base_file_url:", "mode:", "poll_timeout:", "concurrent_updates:",
                "http_client:", "webhook:", "url:", "listen:", "port:", "path:", "secret_token:", "storage:",
                "dialogues:", "instructors:", "default_language:", "log_level:", "MI_TRAINER_TOKEN", "retention_days:",
                "pseudonymise_exports:"):
        assert key in text, key
    assert config.telegram.base_url == DEFAULT_BASE_URL
    assert config.default_language == "da"
    assert (config.privacy.retention_days, config.privacy.pseudonymise_exports) == (180, True)


def test_contract_keys(tmp_path: Path) -> None:
    path = write(tmp_path, f"""
telegram:
  token: "{TOKEN}"
  base_url: http://127.0.0.1:8081/bot
storage:
  path: data/bot.sqlite3
dialogues:
  path: {ROOT / 'dialogues'}
instructors: [111, 222]
default_language: en
""")
    config = load_config(path, env={})
    assert config.telegram.token == TOKEN
    assert config.telegram.base_url == "http://127.0.0.1:8081/bot"
    assert config.telegram.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert config.storage_path == tmp_path / "data" / "bot.sqlite3"  # relative to the config file
    assert config.dialogues_path == ROOT / "dialogues"
    assert config.instructors == frozenset({111, 222})
    assert config.is_instructor(111) and not config.is_instructor(333) and not config.is_instructor(None)
    assert config.default_language == "en"
    assert config.telegram.mode == "polling"
    assert config.telegram.http_client == "aiohttp"
    assert TOKEN not in repr(config)  # the token never shows up in logs or tracebacks
    check_dialogues(config)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "telegram: {token: '1:file'}\ninstructors: [1]\n")
    config = load_config(path, env={"MI_TRAINER_TOKEN": TOKEN, "MI_TRAINER_INSTRUCTORS": "5, 6",
                                    "MI_TRAINER_DEFAULT_LANGUAGE": "en"})
    assert config.telegram.token == TOKEN
    assert config.instructors == frozenset({5, 6})
    assert config.default_language == "en"


def test_token_from_the_environment_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={"MI_TRAINER_TOKEN": TOKEN})  # no ./config.yaml: defaults
    assert config.telegram.token == TOKEN
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(None, env={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("storage: {path: x}\n", "telegram.token is missing"),
        ("telegram: {token: 'not a token'}\n", "telegram.token is malformed"),
        ("telegram: {token: '123'}\n", "telegram.token is malformed"),
        (f"telegram: {{token: '{TOKEN}', tokn: 1}}\n", "unknown key 'telegram.tokn'"),
        (f"telegram: {{token: '{TOKEN}'}}\ninstructors: [abc]\n", "not a Telegram user id"),
        (f"telegram: {{token: '{TOKEN}'}}\ndefault_language: de\n", "default_language must be da or en"),
        (f"telegram: {{token: '{TOKEN}', base_url: 'ftp://x'}}\n", "base_url must be an http"),
        (f"telegram: {{token: '{TOKEN}', mode: push}}\n", "telegram.mode must be polling or webhook"),
        (f"telegram: {{token: '{TOKEN}', http_client: requests}}\n", "http_client must be aiohttp or httpx"),
        (f"telegram: {{token: '{TOKEN}', mode: webhook}}\n", "webhook.url must be the public https"),
        (f"telegram: {{token: '{TOKEN}'}}\ntelegram: {{token: '{TOKEN}'}}\n", "given twice"),
        ("telegram: [unclosed\n", "line"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_errors_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        load_config(write(tmp_path, text), env={})
    assert "\n" not in str(error.value)
    assert str(error.value).startswith(str(tmp_path / "config.yaml"))


def test_missing_dialogue_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, yaml.safe_dump({"telegram": {"token": TOKEN},
                                                         "dialogues": {"path": str(tmp_path / "none")}})), env={})
    with pytest.raises(ConfigError, match=r"dialogues\.path: folder not found"):
        check_dialogues(config)
    (tmp_path / "empty").mkdir()
    config = load_config(write(tmp_path, yaml.safe_dump({"telegram": {"token": TOKEN},
                                                         "dialogues": {"path": str(tmp_path / "empty")}})), env={})
    with pytest.raises(ConfigError, match="no scenario files"):
        check_dialogues(config)


def test_webhook_options(tmp_path: Path) -> None:
    path = write(tmp_path, f"""
telegram:
  token: "{TOKEN}"
  mode: webhook
  webhook: {{url: "https://bot.example.org/mi/hook", listen: 0.0.0.0, port: 8443, secret_token: s3cret}}
""")
    config = load_config(path, env={})
    hook = config.telegram.webhook
    assert (hook.url, hook.listen, hook.port, hook.path, hook.secret_token) == (
        "https://bot.example.org/mi/hook", "0.0.0.0", 8443, "/mi/hook", "s3cret")
    assert load_config(path, env={"MI_TRAINER_WEBHOOK_SECRET": "other"}).telegram.webhook.secret_token == "other"
