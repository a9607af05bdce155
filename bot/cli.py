"""The `oss-bot` command: run, demo, db, kb, providers, report, poster, bench."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from urllib.parse import urlparse

from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

NO_TOKEN_HELP = """\
BOT_TOKEN is not set, so there is no Telegram bot to serve.

To get a token:
  1. Open Telegram and write to @BotFather.
  2. Send /newbot and follow the questions (a name, then a username ending in "bot").
  3. BotFather answers with a token like 123456789:AAE...; put it in a file named .env here:
       BOT_TOKEN=123456789:AAE...
     or export it: export BOT_TOKEN=...
Then run `oss-bot run` again.

To try the bot without a token or network, run `oss-bot demo`.
"""


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr; keep the HTTP client quiet, since its request lines carry the token."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def load_settings(*, require_token: bool = False) -> Settings:
    """Read and validate the settings, or exit 2 naming what is wrong."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print("The configuration has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    if require_token and not settings.bot_token:
        print(NO_TOKEN_HELP, file=sys.stderr)
        raise SystemExit(2)
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    """Serve Telegram: long polling, or a webhook when WEBHOOK_URL is set."""
    from bot.app import Services, build_application
    from bot.db import Database
    from bot.knowledge import KnowledgeError, KnowledgeHolder

    settings = load_settings(require_token=True)
    configure_logging(settings.log_level)
    try:
        knowledge = KnowledgeHolder(settings.knowledge_dir)
    except KnowledgeError as exc:
        print("The knowledge base is invalid; the bot will not start:", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    asyncio.run(_upgrade(settings.database_url))
    services = Services(settings=settings, db=Database(settings.database_url), knowledge=knowledge)
    application = build_application(services)
    if settings.webhook_url:
        log.info("serving a webhook at %s", urlparse(settings.webhook_url).netloc)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"],
        )
    else:
        log.info("serving by long polling")
        application.run_polling(
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"]
        )
    return 0


async def _upgrade(url: str) -> None:
    from bot.db import Database

    database = Database(url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()


def cmd_db(args: argparse.Namespace) -> int:
    """Apply migrations, or write a new one from the models."""
    settings = load_settings()
    configure_logging(settings.log_level)
    if args.db_command == "upgrade":
        asyncio.run(_upgrade(settings.database_url))
        print("The database is up to date.")
        return 0
    asyncio.run(_revision(settings.database_url, args.message))
    return 0


async def _revision(url: str, message: str) -> None:
    from alembic import command

    from bot.db import Database, alembic_config

    database = Database(url)

    def write(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)

    try:
        await database.upgrade()
        async with database.engine.begin() as connection:
            await connection.run_sync(write)
    finally:
        await database.dispose()


def cmd_demo(args: argparse.Namespace) -> int:
    """Chat with the bot in the terminal, offline, on a throwaway database."""
    from bot.demo import run_demo

    settings = load_settings()
    configure_logging("WARNING")
    return asyncio.run(run_demo(settings, sys.stdin, sys.stdout))


def cmd_kb(args: argparse.Namespace) -> int:
    """Check, list or search the knowledge base."""
    from bot.knowledge import cli as kb_cli

    settings = load_settings()
    directory = settings.knowledge_dir
    if args.kb_command == "check":
        return kb_cli.kb_check(directory)
    if args.kb_command == "list":
        return kb_cli.kb_list(directory, as_json=args.json)
    lang = args.lang or settings.default_language
    return kb_cli.kb_search(directory, args.query, lang=lang, limit=args.limit, as_json=args.json)


def cmd_providers(args: argparse.Namespace) -> int:
    """List the providers with their linked staff, or link a staff account."""
    from bot.knowledge import cli as kb_cli

    settings = load_settings()
    configure_logging("WARNING")
    if args.providers_command == "list":
        linked = asyncio.run(_linked_accounts(settings))
        return kb_cli.providers_list(settings.knowledge_dir, linked, as_json=args.json)
    return asyncio.run(_link(settings, args.provider_id, args.telegram_user_id))


async def _linked_accounts(settings: Settings) -> dict[str, list[int]]:
    from bot.db import Database
    from bot.services import staff

    database = Database(settings.database_url)
    try:
        await database.upgrade()
        async with database.read() as session:
            return await staff.linked_accounts(session)
    finally:
        await database.dispose()


async def _link(settings: Settings, provider_id: str, telegram_id: int) -> int:
    from bot.db import Database
    from bot.knowledge import load_knowledge
    from bot.services import staff

    kb = load_knowledge(settings.knowledge_dir)
    if kb.provider(provider_id) is None:
        print(
            f"No provider {provider_id!r}. Known providers: {', '.join(kb.providers)}",
            file=sys.stderr,
        )
        return 1
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        async with database.write() as session:
            await staff.link_account(session, provider_id, telegram_id)
    finally:
        await database.dispose()
    print(f"Telegram user {telegram_id} now answers cases for {provider_id}.")
    return 0


def not_built(issue: str) -> int:
    """Say honestly that a command is not built yet."""
    print(f"Not built yet: this command arrives with {issue}.", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(
        prog="oss-bot", description="Telegram front door of the Enbekshikazakh One Stop Shop."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="serve Telegram (long polling, or webhook when configured)")
    sub.add_parser("demo", help="chat with the bot in the terminal: no token, no network")

    db = sub.add_parser("db", help="the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations")
    revision = db_sub.add_parser("revision", help="write a migration from the models")
    revision.add_argument("-m", "--message", required=True)

    kb = sub.add_parser("kb", help="the knowledge base")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("check", help="validate knowledge/; exit 1 with every error")
    kb_list = kb_sub.add_parser("list", help="every entry")
    kb_list.add_argument("--json", action="store_true")
    kb_search = kb_sub.add_parser("search", help="the entries the bot would offer")
    kb_search.add_argument("query")
    kb_search.add_argument("--lang", choices=("kk", "ru", "en"))
    kb_search.add_argument("--limit", type=int, default=3)
    kb_search.add_argument("--json", action="store_true")

    providers = sub.add_parser("providers", help="the service providers")
    providers_sub = providers.add_subparsers(dest="providers_command", required=True)
    providers_list = providers_sub.add_parser("list", help="providers and linked accounts")
    providers_list.add_argument("--json", action="store_true")
    link = providers_sub.add_parser("link", help="link a staff account without Telegram")
    link.add_argument("provider_id")
    link.add_argument("telegram_user_id", type=int)

    report = sub.add_parser("report", help="the manager's report")
    report.add_argument("--from", dest="date_from")
    report.add_argument("--to", dest="date_to")
    report.add_argument("--format", choices=("xlsx", "csv", "png"), default="xlsx")
    poster = sub.add_parser("poster", help="a printable QR poster")
    poster.add_argument("--source")
    poster.add_argument("--lang", choices=("kk", "ru", "en"))
    sub.add_parser("bench", help="the benchmarks")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `oss-bot` command line."""
    args = build_parser().parse_args(argv)
    handlers = {
        "run": cmd_run,
        "demo": cmd_demo,
        "db": cmd_db,
        "kb": cmd_kb,
        "providers": cmd_providers,
        "report": lambda _args: not_built("the manager insight issue (#7)"),
        "poster": lambda _args: not_built("the manager insight issue (#7)"),
        "bench": lambda _args: not_built("the benchmarks issue (#8)"),
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
