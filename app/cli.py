"""The `madoguchi` command: serve, migrate, seed and the admin chores that have no screen yet.

Commands run on the real time: the settings' clock (`clock_for(settings.clock_start)`: the system clock unless
MADOGUCHI_CLOCK_START is set in dev or demo mode). Tests calling `main` in-process may pass their own clock.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import migrate
from app.clock import Clock, clock_for
from app.cluster.sqlite_guard import DatabaseInUse, hold_sqlite_database
from app.config import Mode, Settings, describe_settings_error
from app.db import create_engine, create_sessionmaker
from app.enums import InterpreterGender, Role
from app.errors import DomainError

T = TypeVar("T")


def load_settings(demo: bool = False) -> Settings:
    """Settings from the environment; `--demo` switches to demo mode unless production was asked for."""
    try:
        if demo:
            if os.environ.get("MADOGUCHI_MODE", "").lower() == Mode.production:
                raise SystemExit(
                    "--demo refuses to run with MADOGUCHI_MODE=production (it creates demo accounts)"
                )
            return Settings(mode=Mode.demo)
        return Settings()
    except ValidationError as exc:
        raise SystemExit(describe_settings_error(exc)) from None


def command_clock(args: argparse.Namespace, settings: Settings) -> Clock:
    """The clock `main` was given (tests), else the settings' own: real time unless MADOGUCHI_CLOCK_START."""
    given: Clock | None = getattr(args, "clock", None)
    return given or clock_for(settings.clock_start)


async def _in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], clock: Clock) -> T:
    engine = create_engine(settings.database_url, clock=clock)
    try:
        async with create_sessionmaker(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], clock: Clock) -> T:
    """Run `work` in one committed session whose column defaults read `clock`."""
    try:
        return asyncio.run(_in_session(settings, work, clock))
    except DomainError as exc:
        raise SystemExit(f"error: {exc.message}") from None


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = load_settings()
    migrate.upgrade(settings.database_url, args.revision)
    revision = migrate.head_revision(settings.database_url) if args.revision == "head" else args.revision
    print(f"database at {revision}")


def cmd_downgrade(args: argparse.Namespace) -> None:
    settings = load_settings()
    migrate.downgrade(settings.database_url, args.revision)
    print(f"database downgraded to {args.revision}")


def _seed(settings: Settings, clock: Clock) -> None:
    from app.seed.service import seed_reference_data

    report = run_in_session(settings, seed_reference_data, clock)
    print(
        f"reference data: {report.municipalities} municipalities, {report.sites} sites, "
        f"{report.languages} languages, {report.topics} topics added"
    )


def cmd_seed(args: argparse.Namespace) -> None:
    settings = load_settings()
    _seed(settings, command_clock(args, settings))


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    env = os.environ.get("MADOGUCHI_NEW_PASSWORD")
    if env:
        return env
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("error: the passwords differ")
    return first


def cmd_create_user(args: argparse.Namespace) -> None:
    from app.staff.service import create_user

    settings = load_settings()
    password = _read_password(args)
    languages = [c.strip() for c in args.languages.split(",") if c.strip()] if args.languages else ["ja"]

    async def work(session: AsyncSession) -> str:
        user = await create_user(
            session,
            username=args.username,
            password=password,
            role=Role(args.role),
            display_name=args.display_name,
            municipality_code=args.municipality,
            site_code=args.site,
            language_codes=languages,
        )
        return f"created {user.role.value} {user.username!r} (id {user.id})"

    print(run_in_session(settings, work, command_clock(args, settings)))


def cmd_create_api_token(args: argparse.Namespace) -> None:
    from datetime import timedelta

    from app.auth.service import issue_api_token
    from app.staff.models import StaffUser

    settings = load_settings()
    clock = command_clock(args, settings)

    async def work(session: AsyncSession) -> str:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == args.username))
        if user is None:
            raise SystemExit(f"error: no user named {args.username!r}")
        expires = clock.now() + timedelta(days=args.days) if args.days else None
        return await issue_api_token(session, user, args.name, expires)

    token = run_in_session(settings, work, clock)
    print("API token (shown once; store it in your client's secret store):")
    print(token)


def cmd_register_device(args: argparse.Namespace) -> None:
    from datetime import timedelta

    from app.auth.service import register_device
    from app.geography.models import Site

    settings = load_settings()

    async def work(session: AsyncSession) -> str:
        site = await session.scalar(select(Site).where(Site.code == args.site))
        if site is None:
            codes = ", ".join((await session.scalars(select(Site.code))).all())
            raise SystemExit(f"error: unknown site {args.site!r}; known sites: {codes}")
        days = settings.device_token_days
        expires_at = clock.now() + timedelta(days=days) if days else None
        token, _device = await register_device(session, site.id, args.name, expires_at)
        return token

    clock = command_clock(args, settings)
    token = run_in_session(settings, work, clock)
    if settings.device_token_days:
        days = settings.device_token_days
        print(f"It expires in {days} days (MADOGUCHI_DEVICE_TOKEN_DAYS): register it again before then.")
    print(f"device {args.name!r} registered at {args.site}. Its bearer token (shown once):")
    print(token)


def cmd_admin(args: argparse.Namespace) -> None:
    """`madoguchi admin ...`: the admin screen's operations from a shell (audited as the system)."""
    from app.admin import commands

    settings = load_settings()
    clock = command_clock(args, settings)
    action: str = args.admin_command
    password = _read_password(args) if action == "reset-password" else ""

    async def work(session: AsyncSession) -> str:
        now = clock.now()
        match action:
            case "add-vendor":
                return await commands.add_vendor(session, args)
            case "add-interpreter":
                return await commands.add_interpreter(session, args)
            case "edit-interpreter":
                return await commands.edit_interpreter(session, args)
            case "interpreters":
                return await commands.list_interpreters(session, args)
            case "disable-user" | "enable-user":
                return await commands.set_user_active(session, args, now, action == "enable-user")
            case "reset-password":
                return await commands.reset_password(session, args, now, password)
            case "edit-user":
                return await commands.edit_user(session, args)
            case "devices":
                return await commands.list_devices(session, args)
            case "edit-device":
                return await commands.edit_device(session, args)
            case _:
                return await commands.revoke_device(session, args, now)

    try:
        print(run_in_session(settings, work, clock))
    except ValidationError as exc:
        raise SystemExit("error: " + "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from None


def _admin_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="interpreter pool, vendors, accounts and counter devices")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    admin.set_defaults(func=cmd_admin)
    admin_sub.add_parser("add-vendor", help="add an interpreting vendor").add_argument("name")
    for name in ("add-interpreter", "edit-interpreter"):
        one = admin_sub.add_parser(name, help=f"{name.split('-')[0]} an interpreter of the pool")
        adding = name == "add-interpreter"
        if not adding:
            one.add_argument("id", type=int)
        one.add_argument("--display-name", required=adding)
        one.add_argument("--vendor", required=adding, help="a vendor added with add-vendor")
        one.add_argument("--languages", required=adding, help="comma separated, e.g. ne,hi")
        one.add_argument("--gender", choices=[g.value for g in InterpreterGender])
        one.add_argument("--username", help="their sign-in (create-user --role interpreter)")
        flag = argparse.BooleanOptionalAction
        default = False if adding else None
        one.add_argument("--dv-cleared", action=flag, default=default, help="may take DV cases")
        one.add_argument("--child-cleared", action=flag, default=default, help="may take child-safety cases")
        if not adding:
            one.add_argument("--active", action=flag, default=None, help="--no-active deactivates")
    admin_sub.add_parser("interpreters", help="list the pool")
    for name in ("disable-user", "enable-user", "reset-password"):
        one = admin_sub.add_parser(name, help=f"{name.replace('-', ' ')} (a staff account)")
        one.add_argument("username")
        if name == "reset-password":
            one.add_argument("--password-stdin", action="store_true", help="read it from standard input")
    user = admin_sub.add_parser("edit-user", help="change a staff account's role, scope, site or languages")
    user.add_argument("username")
    user.add_argument("--role", choices=[r.value for r in Role])
    user.add_argument("--municipality", help="coordinators: JIS code; '' for the whole area")
    user.add_argument("--site", help="counter staff: site code; '' for none")
    user.add_argument("--languages", help="comma separated")
    user.add_argument("--display-name")
    admin_sub.add_parser("devices", help="list counter devices with when each was last seen")
    edit = admin_sub.add_parser("edit-device", help="rename a device or move it to another site")
    edit.add_argument("id", type=int)
    edit.add_argument("--name")
    edit.add_argument("--site", help="site code")
    admin_sub.add_parser("revoke-device", help="revoke a device's token").add_argument("id", type=int)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.main import create_app

    settings = load_settings(demo=args.demo)
    clock = command_clock(args, settings)
    try:
        serving = hold_sqlite_database(settings.database_url)  # held until the process ends
    except DatabaseInUse as exc:
        raise SystemExit(f"Madoguchi cannot start: {exc}") from None
    if not args.no_migrate:
        migrate.upgrade(settings.database_url)
        _seed(settings, clock)
    host = args.host or settings.host
    port = args.port or settings.port
    if args.demo:
        _print_demo_access(settings, f"http://{host}:{port}", clock)
    print(f"Madoguchi serving on http://{host}:{port}/ ({settings.mode.value} mode, {_db_label(settings)})")
    app = create_app(settings, clock=clock)
    # No per-message deflate on websockets: the desk's frames are small JSON, and compressing each one again
    # for every socket (a zlib stream per connection, on both ends) was a third of the server's cost of a push
    # to thousands of consoles (BENCHMARKS.md, cluster).
    uvicorn.run(
        app, host=host, port=port, log_level="info", proxy_headers=False, ws_per_message_deflate=False
    )
    if serving is not None:
        serving.close()


def _print_demo_access(settings: Settings, base_url: str, clock: Clock) -> None:
    from app.demo import RealDataPresent, create_demo_data
    from app.resident.links import LinkClaims, LinkKind, issue_link

    try:
        access = run_in_session(
            settings, lambda s: create_demo_data(s, settings.demo_password, settings.secret_key), clock
        )
    except RealDataPresent as exc:
        raise SystemExit(f"Madoguchi --demo refused: {exc}") from None
    _demo_history(settings, clock)
    print(f"Demo accounts (password for all: {settings.demo_password}):")
    for name in access.usernames:
        print(f"  {name}")
    print("Demo counter devices (bearer tokens, the same at every start; demo mode only):")
    for name, token in access.device_tokens.items():
        print(f"  {name}: {token}")
    poster = issue_link(settings, LinkClaims(kind=LinkKind.poster), clock.now())
    print(f"A resident's own video page (a desk poster link): {base_url}/r/{poster}")


def cmd_demo_data(args: argparse.Namespace) -> None:
    from app.report.commands import demo_data

    settings = load_settings()
    clock = command_clock(args, settings)
    migrate.upgrade(settings.database_url)
    _seed(settings, clock)
    print(
        run_in_session(
            settings,
            lambda s: demo_data(s, settings, args.cases, args.seed, args.months, args.until, clock.now()),
            clock,
        )
    )


def cmd_purge_personal_data(args: argparse.Namespace) -> None:
    from app.retention.service import purge_personal_data

    settings = load_settings()
    clock = command_clock(args, settings)
    days = args.older_than_days or settings.retention_days
    report = run_in_session(
        settings, lambda s: purge_personal_data(s, days, now=clock.now(), dry_run=args.dry_run), clock
    )
    verb = "would purge" if report.dry_run else "purged"
    when = f"{report.cutoff:%Y-%m-%d}"
    print(f"{verb} personal data of {report.purged} cases closed before {when} ({days} days)")


def cmd_refresh_reports(args: argparse.Namespace) -> None:
    from app.report.commands import refresh_reports

    settings = load_settings()
    clock = command_clock(args, settings)
    print(run_in_session(settings, lambda s: refresh_reports(s, settings, args.rebuild, clock.now()), clock))


DEMO_HISTORY_CASES = 1500


def _demo_history(settings: Settings, clock: Clock) -> None:
    """A year of synthetic past cases (up to last month) so the reports have something to show; once only."""
    from sqlalchemy import func

    from app.consultation.models import Consultation
    from app.report.commands import demo_data
    from app.report.period import Month

    async def work(session: AsyncSession) -> str | None:
        if await session.scalar(select(func.count()).select_from(Consultation)):
            return None
        now = clock.now()
        last_month = str(Month.of(now, settings.zone).previous())
        return await demo_data(session, settings, DEMO_HISTORY_CASES, 1, 12, last_month, now)

    made = run_in_session(settings, work, clock)
    if made:
        print(made)


def _db_label(settings: Settings) -> str:
    return "SQLite " + settings.database_url.split(":///", 1)[1] if settings.is_sqlite else "PostgreSQL"


def _models_dir(args: argparse.Namespace) -> Path:
    return Path(args.models_dir) if args.models_dir else load_settings().mt_models_dir


def cmd_mt_install(args: argparse.Namespace) -> None:
    from app.mt.cli import install_command
    from app.mt.exceptions import InvalidModelPackage
    from app.mt.index import parse_pair

    pair = parse_pair(args.file)
    if pair is not None and not Path(args.file).exists():  # "en-ja": from the package index, when online
        _mt_fetch(args, pair)
        return
    try:
        print(install_command(Path(args.file), _models_dir(args)))
    except InvalidModelPackage as exc:
        raise SystemExit(f"error: {exc}") from None
    except OSError as exc:
        raise SystemExit(f"error: cannot read {args.file}: {exc.strerror or exc}") from None


def _mt_fetch(args: argparse.Namespace, pair: tuple[str, str]) -> None:
    from app.mt.cli import fetch_command
    from app.mt.exceptions import InvalidModelPackage
    from app.mt.index import FetchFailed

    index_url = args.index_url or load_settings().mt_index_url
    shown = [-1]

    def progress(done: int, total: int | None) -> None:
        percent = done * 100 // total if total else None
        step = percent // 10 if percent is not None else done // (10 * 1024 * 1024)
        if step != shown[0]:  # a line per tenth (or per 10 MB when the size is unknown)
            shown[0] = step
            what = f"{percent}%" if percent is not None else f"{done // (1024 * 1024)} MB"
            print(f"downloading {pair[0]}-{pair[1]}: {what} ({done} bytes)", file=sys.stderr, flush=True)

    try:
        print(fetch_command(pair, _models_dir(args), index_url, progress))
    except (FetchFailed, InvalidModelPackage) as exc:
        raise SystemExit(f"error: {exc}") from None


def cmd_mt_list(args: argparse.Namespace) -> None:
    from app.mt.cli import list_command
    from app.seed.data import LANGUAGES

    print(list_command(_models_dir(args), [language.code for language in LANGUAGES]))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="Madoguchi consultation desk")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="apply migrations, seed reference data and serve")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="also create demo staff, devices and interpreters")
    serve.add_argument("--no-migrate", action="store_true", help="skip migrations and seeding at start")
    serve.set_defaults(func=cmd_serve)

    mig = sub.add_parser("migrate", help="upgrade the database schema")
    mig.add_argument("--revision", default="head")
    mig.set_defaults(func=cmd_migrate)

    down = sub.add_parser("downgrade", help="downgrade the database schema (e.g. to 'base')")
    down.add_argument("revision")
    down.set_defaults(func=cmd_downgrade)

    sub.add_parser("seed", help="insert the municipalities, sites, languages and topics").set_defaults(
        func=cmd_seed
    )

    user = sub.add_parser("create-user", help="create a staff account")
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--display-name")
    user.add_argument("--municipality", help="coordinators only: JIS code of their municipality")
    user.add_argument("--site", help="counter staff: site code")
    user.add_argument("--languages", help="comma separated language codes, e.g. ja,en")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.set_defaults(func=cmd_create_user)

    token = sub.add_parser("create-api-token", help="issue a bearer token for an API client acting as a user")
    token.add_argument("--username", required=True)
    token.add_argument("--name", required=True, help="what the token is for")
    token.add_argument("--days", type=int, help="expire after this many days")
    token.set_defaults(func=cmd_create_api_token)

    device = sub.add_parser("register-device", help="register a counter tablet at a site")
    device.add_argument("--site", required=True, help="site code, e.g. soja-counter")
    device.add_argument("--name", required=True)
    device.set_defaults(func=cmd_register_device)

    demo = sub.add_parser("demo-data", help="add synthetic cases with realistic proportions (demos, bench)")
    demo.add_argument("--cases", type=int, required=True, help="how many cases")
    demo.add_argument("--seed", type=int, default=1, help="same seed, count and period: same cases")
    demo.add_argument("--months", type=int, default=12, help="spread over this many months (default 12)")
    demo.add_argument("--until", help="last month YYYY-MM (default: the current month, up to now)")
    demo.set_defaults(func=cmd_demo_data)

    purge = sub.add_parser("purge-personal-data", help="clear personal data of cases closed long ago")
    purge.add_argument("--older-than-days", type=int, help="default: MADOGUCHI_RETENTION_DAYS (1095)")
    purge.add_argument("--dry-run", action="store_true", help="only count the cases that would be purged")
    purge.set_defaults(func=cmd_purge_personal_data)

    reports = sub.add_parser("refresh-reports", help="roll up past months for fast reports")
    reports.add_argument("--rebuild", action="store_true", help="recompute every past month")
    reports.set_defaults(func=cmd_refresh_reports)

    _admin_parser(sub)

    mt = sub.add_parser("mt", help="machine translation models (offline Argos Translate packages)")
    mt_sub = mt.add_subparsers(dest="mt_command", required=True)
    mt_install = mt_sub.add_parser(
        "install",
        help="validate and install a FILE.argosmodel package, or fetch a pair (en-ja) from the index",
    )
    mt_install.add_argument(
        "file",
        help="an Argos Translate package (.argosmodel), or a pair such as en-ja to fetch from the index",
    )
    mt_install.add_argument("--index-url", help="default: MADOGUCHI_MT_INDEX_URL (the Argos package index)")
    mt_list = mt_sub.add_parser("list", help="installed pairs and which desk languages reach Japanese")
    for command, func in ((mt_install, cmd_mt_install), (mt_list, cmd_mt_list)):
        command.add_argument("--models-dir", help="default: MADOGUCHI_MT_MODELS_DIR (var/mt-models)")
        command.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> None:
    """Run one command; `clock` replaces the settings' clock (tests run commands at their own instant)."""
    args = build_parser().parse_args(argv)
    args.clock = clock
    args.func(args)


if __name__ == "__main__":
    main()
