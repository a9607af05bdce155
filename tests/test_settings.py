"""Settings are validated at start with messages that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError


def test_defaults_need_nothing_but_give_sqlite_and_kazakh() -> None:
    settings = Settings.from_mapping({})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.default_language == "kk"
    assert settings.timezone == "Asia/Almaty"
    assert settings.bot_token is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TOKEN", "not a token"),
        ("OSS_MANAGER_IDS", "12,abc"),
        ("DEFAULT_LANGUAGE", "de"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DATABASE_URL", "mysql://db"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("WEBHOOK_URL", "http://plain.example/hook"),
        ("WEBHOOK_PORT", "99999"),
        ("KNOWLEDGE_DIR", "/no/such/folder"),
        ("WEBHOOK_SECRET", "x"),
        ("WEBHOOK_SECRET", "has spaces in it and is long"),
        ("WEBHOOK_MAX_BODY_KB", "0"),
        ("DRAFT_DAYS", "never"),
        ("BACKUP_KEEP", "-1"),
        ("BACKUP_TIME", "25:00"),
    ],
)
def test_a_bad_value_is_named_in_the_error(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({name: value})
    assert any(problem.startswith(f"{name}:") for problem in caught.value.problems)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({"DEFAULT_LANGUAGE": "de", "TIMEZONE": "Nowhere/Land"})
    assert len(caught.value.problems) == 2


def test_a_webhook_needs_a_secret_token() -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings.from_mapping({"WEBHOOK_URL": "https://bot.example.org/hook"})


@pytest.mark.parametrize("secret", ["x", "abc123", "fifteen-chars15"])
def test_a_short_webhook_secret_is_refused_with_how_to_make_one(secret: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(
            {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": secret}
        )
    [problem] = caught.value.problems
    assert problem.startswith("WEBHOOK_SECRET:")
    assert "at least 16" in problem and "secrets.token_urlsafe" in problem


def test_a_long_enough_webhook_secret_and_a_body_limit_are_accepted() -> None:
    settings = Settings.from_mapping(
        {
            "WEBHOOK_URL": "https://bot.example.org/hook",
            "WEBHOOK_SECRET": "sixteen-chars-16",
            "WEBHOOK_MAX_BODY_KB": "256",
        }
    )
    assert settings.webhook_secret == "sixteen-chars-16"
    assert settings.webhook_max_body == 256 * 1024
    assert Settings.from_mapping({}).webhook_max_body == 1024 * 1024


def test_values_come_from_a_dot_env_file_under_the_environment(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nOSS_MANAGER_IDS="11, 22"\nDEFAULT_LANGUAGE=ru\n')
    settings = Settings.from_env({"DEFAULT_LANGUAGE": "en"}, env_file=env_file)
    assert settings.manager_ids == {11, 22}
    assert settings.default_language == "en"  # the environment wins over the file


def test_plain_database_urls_get_async_drivers() -> None:
    settings = Settings.from_mapping({"DATABASE_URL": "postgresql://u:p@localhost/oss"})
    assert settings.database_url == "postgresql+asyncpg://u:p@localhost/oss"
