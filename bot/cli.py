"""The `oss-bot` command: run, demo, db, kb, providers, report, poster, bench."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.knowledge import Offices

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
    from bot import serve
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
        assert settings.webhook_secret is not None  # checked with the settings
        log.info("serving a webhook at %s", urlparse(settings.webhook_url).netloc)
        asyncio.run(
            serve.serve_webhook(
                application,
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                path=urlparse(settings.webhook_url).path,
                public_url=settings.webhook_url,
                secret=settings.webhook_secret,
                max_body=settings.webhook_max_body,
            )
        )
    else:
        log.info("serving by long polling")
        asyncio.run(serve.poll(application))
    return 0


async def _upgrade(url: str) -> None:
    from bot.db import Database

    database = Database(url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()


def cmd_db(args: argparse.Namespace) -> int:
    """Apply migrations, write a new one from the models, back up or restore."""
    settings = load_settings()
    configure_logging(settings.log_level)
    if args.db_command == "backup":
        return _backup(settings, args.path)
    if args.db_command == "restore":
        return _restore(settings, args.path, force=args.force)
    if args.db_command == "upgrade":
        asyncio.run(_upgrade(settings.database_url))
        print("The database is up to date.")
        return 0
    asyncio.run(_revision(settings.database_url, args.message))
    return 0


def _backup(settings: Settings, path: str | None) -> int:
    from pathlib import Path

    from bot import backups

    target = Path(path).expanduser() if path else backups.default_path(settings)
    if target.is_dir():
        target = target / backups.default_path(settings).name
    try:
        written = backups.backup(settings.database_url, target)
    except backups.BackupError as exc:
        print(f"No backup was made: {exc}", file=sys.stderr)
        return 1
    print(f"Backup written: {written.path} ({written.size / 1e6:.1f} MB, {written.seconds:.1f} s)")
    print("Copy it off this machine too (see README: Security, backups).")
    return 0


def _restore(settings: Settings, path: str, *, force: bool) -> int:
    from pathlib import Path

    from bot import backups

    try:
        restored = backups.restore(
            settings.database_url, Path(path), force=force, save_dir=settings.backup_dir
        )
    except backups.BackupError as exc:
        print(f"Nothing was restored: {exc}", file=sys.stderr)
        return 1
    if restored.saved_previous is not None:
        print(f"The database as it was is saved in {restored.saved_previous}")
    asyncio.run(_upgrade(settings.database_url))  # a backup from an older version catches up
    print(f"Restored from {path} (migration {restored.revision}, {restored.seconds:.1f} s).")
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
    """List the providers with their linked staff, link (or move) or unlink a staff account."""
    from bot.knowledge import cli as kb_cli

    settings = load_settings()
    configure_logging("WARNING")
    if args.providers_command == "list":
        linked = asyncio.run(_linked_accounts(settings))
        return kb_cli.providers_list(settings.knowledge_dir, linked, as_json=args.json)
    if args.providers_command == "unlink":
        return asyncio.run(_unlink(settings, args.telegram_user_id))
    return asyncio.run(_link(settings, args.provider_id, args.telegram_user_id))


def _say_released(released: Any) -> None:
    for case_id, telegram_id in released.to_staff:
        print(f"  case {case_id} now goes to Telegram user {telegram_id} of the same provider")
    for case_id in released.to_manager:
        print(f"  case {case_id} is back in the OSS manager's queue (no other staff)")


async def _unlink(settings: Settings, telegram_id: int) -> int:
    from bot.db import Database
    from bot.services import staff

    database = Database(settings.database_url)
    try:
        await database.upgrade()
        released = await staff.unlink_account(
            database, telegram_id, manager_ids=settings.manager_ids,
            default_language=settings.default_language,
        )  # fmt: skip
    finally:
        await database.dispose()
    if released is None:
        print(f"Telegram user {telegram_id} is not linked to any provider.", file=sys.stderr)
        return 1
    print(f"Telegram user {telegram_id} no longer answers cases.")
    _say_released(released)
    return 0


async def _linked_accounts(settings: Settings) -> dict[str, list[int]]:
    from bot.db import Database
    from bot.services import staff

    database = Database(settings.database_url)
    try:
        await database.upgrade()
        return await staff.linked_accounts(database)
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
        released = await staff.link_account(
            database, provider_id, telegram_id, manager_ids=settings.manager_ids,
            default_language=settings.default_language,
        )  # fmt: skip
    finally:
        await database.dispose()
    print(f"Telegram user {telegram_id} now answers cases for {provider_id}.")
    _say_released(released)
    return 0


NO_USERNAME_HELP = """\
The poster needs the bot's Telegram username for its link (t.me/<username>?start=src-TAG).
Give it with --username enbek_oss_bot, or set BOT_USERNAME=enbek_oss_bot in .env.
(@BotFather shows the username; it ends in "bot".)
"""


def cmd_report(args: argparse.Namespace) -> int:
    """Write the manager's report of a period: a PDF document, a workbook, CSV files or charts."""
    from bot.services.period import Period, PeriodError

    settings = load_settings()
    configure_logging("WARNING")
    if not args.date_from or not args.date_to:
        print(
            "Give the period, first and last day: "
            "oss-bot report --from 2026-11-01 --to 2026-11-30 --format xlsx",
            file=sys.stderr,
        )
        return 2
    try:
        period = Period.from_dates(args.date_from, args.date_to)
    except PeriodError as exc:
        print(f"The period is not right: {exc}", file=sys.stderr)
        return 2
    lang = args.lang or settings.default_language
    return _write_report(settings, period, args, lang)


def _write_report(settings: Settings, period: Any, args: argparse.Namespace, lang: str) -> int:
    from pathlib import Path

    from bot.charts import report_charts
    from bot.insight import plain, provider_namer, report_text
    from bot.knowledge import KnowledgeError, load_knowledge
    from bot.workbook import breakdown_tables, csv_text, summary_table, xlsx_bytes

    try:
        kb = load_knowledge(settings.knowledge_dir)
    except KnowledgeError as exc:
        print(f"The knowledge base is invalid:\n{exc}", file=sys.stderr)
        return 1
    full, tables = asyncio.run(_report_data(settings, period, personal=args.personal))
    report = full.report
    name = provider_namer(kb, lang)
    print(plain(report_text(report, lang, name)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"oss-report-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}"
    written: list[Path] = []
    all_tables = (summary_table(report, lang, name), *breakdown_tables(full), *tables)
    if args.format == "xlsx":
        written.append(out / f"{stem}.xlsx")
        written[-1].write_bytes(xlsx_bytes(all_tables, lang))
    elif args.format == "pdf":
        from bot.document import report_pdf

        written.append(out / f"{stem}-{lang}.pdf")
        written[-1].write_bytes(
            report_pdf(
                report,
                lang,
                name,
                providers=list(kb.providers),
                previous=full.previous,
                trends=full.trends,
                tz=settings.tz,
            )
        )
    elif args.format == "csv":
        for table in all_tables:
            written.append(out / f"{stem}-{table.name}.csv")
            written[-1].write_text(csv_text(table), encoding="utf-8")
    else:
        for chart in report_charts(report, lang, name):
            written.append(out / f"{stem}-{chart.name}.png")
            written[-1].write_bytes(chart.png)
    print()
    if args.personal:
        print("This export has personal data (Telegram ids, questions, phone numbers).")
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("Nothing to draw in this period.")
    return 0


async def _report_data(settings: Settings, period: Any, *, personal: bool) -> tuple[Any, Any]:
    from bot.db import Database
    from bot.services import reports

    database = Database(settings.database_url)
    try:
        await database.upgrade()
        report = await reports.build_full_report(
            database, period, tz=settings.tz, now=datetime.now(UTC)
        )
        tables = await reports.export_tables(database, period, tz=settings.tz, personal=personal)
    finally:
        await database.dispose()
    return report, tables


def _poster_offices(settings: Settings) -> Offices | None:
    """The OSS's offices for a poster; None (no address on it) when the base is invalid."""
    from bot.knowledge import KnowledgeError, load_knowledge

    try:
        return load_knowledge(settings.knowledge_dir).offices
    except KnowledgeError as exc:
        print(
            f"The knowledge base is invalid ({exc.errors[0]}); the poster has no address.",
            file=sys.stderr,
        )
        return None


def cmd_poster(args: argparse.Namespace) -> int:
    """Write a printable A4 poster (PDF and PNG) with a QR code to the bot's deep link."""
    from pathlib import Path

    from bot.posters import PosterError, make_poster, parse_langs

    settings = load_settings()
    username = args.username or settings.bot_username
    if not username:
        print(NO_USERNAME_HELP, file=sys.stderr)
        return 2
    if not args.source:
        print(
            "Say where the poster hangs with --source TAG (1-40 letters, digits, '_' or '-'), "
            "e.g. --source market_esik",
            file=sys.stderr,
        )
        return 2
    try:
        langs = parse_langs(args.lang or settings.default_language)
        poster = make_poster(
            args.source, langs, username, Path(args.out), _poster_offices(settings)
        )
    except PosterError as exc:
        print(f"Cannot make the poster: {exc}", file=sys.stderr)
        return 2
    print(f"Poster for {poster.link}")
    print(f"wrote {poster.pdf}")
    print(f"wrote {poster.png}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks on a throwaway database (PostgreSQL when DATABASE_URL says so)."""
    from bot.tooling import bench

    settings = load_settings()
    configure_logging("WARNING")
    return bench.main(settings, bench.options_from(args))


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
    backup = db_sub.add_parser("backup", help="a consistent copy of the database, while it runs")
    backup.add_argument(
        "path", nargs="?", help="the file or folder to write to (default: BACKUP_DIR)"
    )
    restore = db_sub.add_parser("restore", help="replace the database with a checked backup")
    restore.add_argument("path", help="the backup file")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that holds data (stop the bot)"
    )

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
    unlink = providers_sub.add_parser(
        "unlink", help="a staff account stops answering cases; its open cases are handed on"
    )
    unlink.add_argument("telegram_user_id", type=int)

    report = sub.add_parser("report", help="the manager's report")
    report.add_argument("--from", dest="date_from")
    report.add_argument("--to", dest="date_to")
    report.add_argument("--format", choices=("xlsx", "csv", "png", "pdf"), default="xlsx")
    report.add_argument("--lang", choices=("kk", "ru", "en"), help="labels (DEFAULT_LANGUAGE)")
    report.add_argument("--out", default=".", help="the folder to write to")
    report.add_argument(
        "--personal",
        action="store_true",
        help="include Telegram ids, questions and phone numbers (anonymous without it)",
    )
    poster = sub.add_parser("poster", help="a printable QR poster")
    poster.add_argument("--source", help="where it hangs: 1-40 letters, digits, '_' or '-'")
    poster.add_argument(
        "--lang", help="kk, ru or en, or two on one page: kk+ru (default: DEFAULT_LANGUAGE)"
    )
    poster.add_argument("--username", help="the bot's username (default: BOT_USERNAME)")
    poster.add_argument("--out", default=".", help="the folder to write to")
    bench = sub.add_parser(
        "bench", help="the benchmarks: a table, then a last line of JSON with every figure"
    )
    bench.add_argument("--clients", type=int, default=500, help="simulated clients at once")
    bench.add_argument("--broadcast", type=int, help="announcement recipients (10000; --quick 600)")
    bench.add_argument("--people", type=int, default=20_000, help="people in the scale data")
    bench.add_argument("--cases", type=int, default=100_000, help="cases in the scale data")
    bench.add_argument("--repeat", type=int, default=5, help="repetitions of each scale timing")
    bench.add_argument("--burst-rate", type=float, default=100.0, help="open-loop updates/s")
    bench.add_argument("--burst-seconds", type=float, help="open-loop run length (60; --quick 15)")
    bench.add_argument(
        "--quick", action="store_true", help="a short broadcast (600 recipients) and burst (15 s)"
    )
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
        "report": cmd_report,
        "poster": cmd_poster,
        "bench": cmd_bench,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
