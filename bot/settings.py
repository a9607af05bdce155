"""Settings from the environment and an optional `.env` file, validated once at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("kk", "ru", "en")
DEFAULT_API_URL = "https://api.telegram.org/bot"
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
SECRET_MIN_LENGTH = 16
MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
_USERNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


class SettingsError(Exception):
    """One or more settings are wrong; each problem names its variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the bot reads from its environment."""

    bot_token: str | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_url: str = ""
    manager_ids: frozenset[int] = field(default_factory=frozenset)
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    default_language: str = "kk"
    timezone: str = "Asia/Almaty"
    data_dir: Path = PROJECT_ROOT / "data"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_max_body: int = 1024 * 1024
    log_level: str = "INFO"
    bot_username: str | None = None
    case_due_hours: float = 16.0
    remind_before_hours: float = 4.0
    followup_days: int = 7
    workday: tuple[time, time] = (time(9, 0), time(18, 0))
    digest_time: time = time(9, 0)
    retention_days: int = 365
    draft_days: int = 30
    backup_dir: Path = PROJECT_ROOT / "data" / "backups"
    backup_keep: int = 7
    backup_time: time = time(3, 0)

    @property
    def tz(self) -> ZoneInfo:
        """Return the local time zone of the OSS."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, env_file: Path | None = None
    ) -> Settings:
        """Read settings from `environ` (default `os.environ`) over a `.env` file."""
        values: dict[str, str] = {}
        env_file = env_file if env_file is not None else Path.cwd() / ".env"
        if env_file.is_file():
            values.update(read_env_file(env_file))
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Settings:
        """Validate raw string values; raise SettingsError listing every problem."""
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = values.get(name)
            if value is None:
                return None
            value = value.strip()
            return value or None

        token = get("BOT_TOKEN")
        if token is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]{20,}", token):
            problems.append(
                "BOT_TOKEN: does not look like a token from @BotFather "
                "(digits, a colon, then at least 20 letters, digits, '_' or '-')"
            )

        api_url = get("TELEGRAM_API_URL") or DEFAULT_API_URL
        if urlparse(api_url).scheme not in ("http", "https") or not urlparse(api_url).netloc:
            problems.append(
                f"TELEGRAM_API_URL: {api_url!r} is not an http(s) URL "
                f"(default {DEFAULT_API_URL}; the token is appended to it)"
            )

        data_dir = Path(get("DATA_DIR") or PROJECT_ROOT / "data")
        database_url = normalize_database_url(
            get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'oss-bot.sqlite3'}"
        )
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            problems.append(
                "DATABASE_URL: only SQLite (sqlite:///path) and PostgreSQL "
                "(postgresql://user:password@host/db) are supported"
            )

        manager_ids: set[int] = set()
        for part in (get("OSS_MANAGER_IDS") or "").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                problems.append(
                    f"OSS_MANAGER_IDS: {part!r} is not a numeric Telegram user id "
                    "(write ids separated by commas, e.g. 123456789,987654321)"
                )
                continue
            manager_ids.add(int(part))

        knowledge_dir = Path(get("KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge")
        if not knowledge_dir.is_dir():
            problems.append(f"KNOWLEDGE_DIR: {str(knowledge_dir)!r} is not a folder")

        language = (get("DEFAULT_LANGUAGE") or "kk").lower()
        if language not in LANGUAGES:
            problems.append(f"DEFAULT_LANGUAGE: {language!r} is not one of kk, ru, en")

        timezone = get("TIMEZONE") or "Asia/Almaty"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"TIMEZONE: {timezone!r} is not a known time zone (e.g. Asia/Almaty)")

        webhook_url = get("WEBHOOK_URL")
        webhook_secret = get("WEBHOOK_SECRET")
        if webhook_url is not None:
            if urlparse(webhook_url).scheme != "https":
                problems.append("WEBHOOK_URL: Telegram only delivers webhooks to https:// URLs")
            if webhook_secret is None:
                problems.append(
                    "WEBHOOK_SECRET: required with WEBHOOK_URL, so that requests that do not "
                    "come from Telegram are refused"
                )
        if webhook_secret is not None and not _SECRET_RE.fullmatch(webhook_secret):
            problems.append(
                "WEBHOOK_SECRET: use only letters, digits, '_' and '-', at most 256 of them; "
                f"make one with: {MAKE_SECRET}"
            )
        elif webhook_secret is not None and len(webhook_secret) < SECRET_MIN_LENGTH:
            problems.append(
                f"WEBHOOK_SECRET: {len(webhook_secret)} characters are too easy to guess; use at "
                f"least {SECRET_MIN_LENGTH} (letters, digits, '_' and '-'). "
                f"Make one with: {MAKE_SECRET}"
            )
        max_body_kb = _number(get("WEBHOOK_MAX_BODY_KB"), "WEBHOOK_MAX_BODY_KB", 1024, problems)

        port_text = get("WEBHOOK_PORT") or "8443"
        port = int(port_text) if port_text.isdigit() else -1
        if not 0 < port < 65536:
            problems.append(f"WEBHOOK_PORT: {port_text!r} is not a port number (1-65535)")

        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            problems.append(f"LOG_LEVEL: {log_level!r} is not DEBUG, INFO, WARNING or ERROR")

        bot_username = (get("BOT_USERNAME") or "").removeprefix("@") or None
        if bot_username is not None and not _USERNAME_RE.fullmatch(bot_username):
            problems.append(
                f"BOT_USERNAME: {bot_username!r} is not a Telegram bot username "
                "(letters, digits and '_', e.g. enbek_oss_bot)"
            )

        due_hours = _number(get("CASE_DUE_HOURS"), "CASE_DUE_HOURS", 16.0, problems)
        remind = _number(get("REMIND_BEFORE_HOURS"), "REMIND_BEFORE_HOURS", 4.0, problems)
        followup = _number(get("FOLLOWUP_DAYS"), "FOLLOWUP_DAYS", 7, problems)
        workday = _workday(get("WORKDAY") or "09:00-18:00", problems)
        digest = _clock_time(get("DIGEST_TIME") or "09:00", "DIGEST_TIME", problems)
        retention = _number(get("RETENTION_DAYS"), "RETENTION_DAYS", 365, problems)
        draft_days = _number(get("DRAFT_DAYS"), "DRAFT_DAYS", 30, problems)
        backup_dir = Path(get("BACKUP_DIR") or data_dir / "backups")
        keep_text = get("BACKUP_KEEP") or "7"
        if not keep_text.isdigit():
            problems.append(
                f"BACKUP_KEEP: {keep_text!r} is not a whole number of daily backups to keep "
                "(0 turns the daily backup off)"
            )
        backup_time = _clock_time(get("BACKUP_TIME") or "03:00", "BACKUP_TIME", problems)

        if problems:
            raise SettingsError(problems)
        return cls(
            bot_token=token,
            telegram_api_url=api_url,
            database_url=database_url,
            manager_ids=frozenset(manager_ids),
            knowledge_dir=knowledge_dir,
            default_language=language,
            timezone=timezone,
            data_dir=data_dir,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_listen=get("WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=port,
            webhook_max_body=int(max_body_kb * 1024),
            log_level=log_level,
            bot_username=bot_username,
            case_due_hours=due_hours,
            remind_before_hours=remind,
            followup_days=int(followup),
            workday=workday,
            digest_time=digest,
            retention_days=int(retention),
            draft_days=max(int(draft_days), 1),
            backup_dir=backup_dir,
            backup_keep=int(keep_text) if keep_text.isdigit() else 7,
            backup_time=backup_time,
        )


def normalize_database_url(url: str) -> str:
    """Choose the async driver for plain `sqlite://` and `postgresql://` URLs."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def read_env_file(path: Path) -> dict[str, str]:
    """Parse `NAME=value` lines; `#` starts a comment, quotes around a value are removed."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        name = name.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def _number(text: str | None, name: str, default: float, problems: list[str]) -> float:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        problems.append(f"{name}: {text!r} is not a positive number")
        return default
    return value


def _clock_time(text: str, name: str, problems: list[str]) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return time(int(match.group(1)), int(match.group(2)))
    problems.append(f"{name}: {text!r} is not a time of day like 09:00")
    return time(9, 0)


def _workday(text: str, problems: list[str]) -> tuple[time, time]:
    start_text, _, end_text = text.partition("-")
    start = _clock_time(start_text.strip(), "WORKDAY", problems)
    end = _clock_time(end_text.strip(), "WORKDAY", problems)
    if end <= start:
        problems.append(f"WORKDAY: {text!r} must be like 09:00-18:00, the start before the end")
        return time(9, 0), time(18, 0)
    return start, end
