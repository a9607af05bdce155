"""The `oss-bot` command as a person runs it: run, demo, db upgrade."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.tooling.faketg_server import ServerThread

OSS_BOT = Path(sys.executable).parent / "oss-bot"
TOKEN = "123456:TEST-token-for-the-fake-bot-api-0000"


def oss_bot(*args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60):
    return subprocess.run(
        [str(OSS_BOT), *args], input=stdin, capture_output=True, text=True, env=env,
        timeout=timeout, cwd=env.get("HOME"),
    )  # fmt: skip


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no bot settings, run from an empty folder (no .env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
    env.pop("DATABASE_URL", None)
    env["HOME"] = str(tmp_path)
    env["DATA_DIR"] = str(tmp_path / "data")
    return env


def test_run_without_a_token_explains_how_to_get_one_and_exits_2(clean_env: dict[str, str]) -> None:
    result = oss_bot("run", env=clean_env)
    assert result.returncode == 2
    assert "@BotFather" in result.stderr
    assert "oss-bot demo" in result.stderr


def test_a_bad_setting_stops_the_bot_with_the_variable_named(clean_env: dict[str, str]) -> None:
    result = oss_bot("run", env={**clean_env, "BOT_TOKEN": TOKEN, "DEFAULT_LANGUAGE": "fr"})
    assert result.returncode == 2
    assert "DEFAULT_LANGUAGE" in result.stderr


def test_db_upgrade_creates_the_database(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = oss_bot("db", "upgrade", env=clean_env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "oss-bot.sqlite3").exists()


def test_demo_shows_the_language_choice_and_a_welcome(clean_env: dict[str, str]) -> None:
    result = oss_bot("demo", env=clean_env, stdin="/start\n2\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Тілді таңдаңыз" in out and "Выберите язык" in out and "Choose your language" in out
    assert "[1]" in out and "[3]" in out
    assert "Центр ODAK" in out or "ODAK centre" in out or "ODAK орталығы" in out  # the welcome
    assert "Traceback" not in out + result.stderr


@pytest.mark.slow
def test_run_serves_start_on_a_bot_api_compatible_server(clean_env: dict[str, str]) -> None:
    server = ServerThread().start_and_wait()
    env = {**clean_env, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.base_url}
    process = subprocess.Popen(
        [str(OSS_BOT), "run"], env=env, cwd=env["HOME"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        fake = server.fake
        server.run_in_loop(fake.add_user, 4242, "Dana")
        server.run_in_loop(lambda: fake.push_update(fake.text_update(4242, "/start")))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not fake.bot_messages(4242):
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.1)
        messages = server.run_in_loop(fake.bot_messages, 4242)
        assert messages, "the bot never answered /start"
        assert "Choose your language" in messages[0]["text"]
        assert any(c.method == "setMyCommands" for c in fake.calls)
    finally:
        process.terminate()
        try:
            process.wait(20)
        finally:
            server.stop()
            if process.stdout is not None:
                process.stdout.close()
    assert process.returncode == 0


def test_the_whole_handoff_loop_can_be_played_in_the_demo(clean_env: dict[str, str]) -> None:
    script = "\n".join(
        [
            "/start", "3", "2",  # English, looking for a job
            "register as unemployed", "1",  # search, open the first answer
            "5", "1",  # ask a specialist, agree
            "I lost my job last week. How do I register?", "1",  # write, send
            "::manager",
            "::provider employment_centre", "1",  # reply
            "Come to the employment centre with your ID card.",
            "::client", "1", "Thanks! Which days are you open?",
            "::provider employment_centre", "2",  # resolved
            "::client", "1", "5",  # yes, five stars
        ]
    )  # fmt: skip
    result = oss_bot("demo", env=clean_env, stdin=script + "\n")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())  # the demo wraps long lines
    assert "Your case number is №1" in out
    assert "Новое обращение №1" in out  # the manager reads Russian
    assert "Обращение для вас №1" in out  # so does the provider
    assert "Answer to your question №1" in out and "with your ID card" in out
    assert "Which days are you open?" in out
    assert "Did this solve your problem?" in out and "Thank you for your rating!" in out
    assert "Traceback" not in out + result.stderr


def test_providers_link_and_list_from_the_command_line(clean_env: dict[str, str]) -> None:
    import json

    linked = oss_bot("providers", "link", "damu", "123456789", env=clean_env)
    assert linked.returncode == 0, linked.stderr
    listing = oss_bot("providers", "list", "--json", env=clean_env)
    providers = json.loads(listing.stdout)
    assert len(providers) == 12
    damu = next(p for p in providers if p["id"] == "damu")
    assert damu["linked_accounts"] == [123456789]
    unknown = oss_bot("providers", "link", "no_such_provider", "1", env=clean_env)
    assert unknown.returncode == 1 and "Known providers" in unknown.stderr
