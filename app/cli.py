"""The `incidents` command."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from alembic.util import CommandError as AlembicError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from app import __version__
from app.config import Settings, load_settings
from app.db import Database
from app.models.vocab import UserRole

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.models import User

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class CommandError(Exception):
    """A mistake the user can fix; printed as one line, never as a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable DATABASE_URL>"


def _open_database(settings: Settings) -> Database:
    """Connect once up front so an unreachable database is one clear message."""
    if settings.database_url.startswith("sqlite") and make_url(settings.database_url).database in (
        None,
        "",
        ":memory:",
    ):
        raise CommandError(
            "an in-memory SQLite database vanishes when the command ends; use a file"
        )
    try:
        database = Database(settings.database_url)
    except (ArgumentError, ValueError) as error:
        raise CommandError(f"DATABASE_URL is not a valid database URL: {error}") from None
    except ModuleNotFoundError as error:
        raise CommandError(f"the database driver is not installed: {error.name}") from None
    except OSError as error:
        raise CommandError(f"cannot create the database file's folder: {error}") from None
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise CommandError(
            f"cannot reach the database {_safe_url(settings.database_url)}: {reason}"
        ) from None
    return database


def migrate_database(settings: Settings) -> Database:
    """Bring the schema up to date and load the reference data (both idempotent)."""
    from app.migrations import upgrade
    from app.services.auth import ensure_secret_key
    from app.services.reference import load_reference_data

    database = _open_database(settings)
    upgrade(settings.database_url)
    with database.write() as session:
        load_reference_data(session)
        ensure_secret_key(session)
    return database


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> None:
    migrate_database(settings).dispose()
    print(f"Database {_safe_url(settings.database_url)} is up to date; reference data loaded.")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.demo import DemoDataError, load_demo

    database = migrate_database(settings)
    try:
        with database.write() as session:
            result = load_demo(session)
    except (DemoDataError, OSError, ValueError) as error:
        raise CommandError(
            f"the demo data could not be loaded, nothing was changed: {error}"
        ) from None
    finally:
        database.dispose()
    print(
        f"Demo data: {result.incidents_created} incidents, {result.claims_created} claims and"
        f" {result.sources_created} sources added;"
        f" {result.incidents_present} incidents were already present."
    )


def cmd_synth(args: argparse.Namespace, settings: Settings) -> None:
    import time

    from app.services.synth import synthesize

    database = migrate_database(settings)
    started = time.perf_counter()
    try:
        report = synthesize(
            database, args.incidents, args.seed, progress=_progress_bar(args.incidents, "incidents")
        )
    finally:
        database.dispose()
    print(
        f"Synthetic data: {report.incidents} incidents, {report.claims} claims and"
        f" {report.figures} figures added in {time.perf_counter() - started:.1f} s."
    )


def _check_port_free(host: str, port: int) -> None:
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise CommandError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    if settings.log_level not in LOG_LEVELS:
        raise CommandError(
            f"LOG_LEVEL {settings.log_level!r} is not one of {', '.join(LOG_LEVELS)}"
        )
    _check_port_free(args.host, args.port)
    if args.no_migrate:
        _open_database(settings).dispose()
    else:
        migrate_database(settings).dispose()
    print(
        f"Serving on http://{args.host}:{args.port} (database {_safe_url(settings.database_url)})"
    )
    uvicorn.run(
        "app.main:served_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level,
        proxy_headers=True,
    )


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.users import UserError, create_user, generate_password

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        generated = False
    elif sys.stdin.isatty() and not args.generate_password:
        password = getpass.getpass("Password (at least 12 characters): ")
        generated = False
    else:
        password, generated = generate_password(), True
    database = migrate_database(settings)
    try:
        with database.write(content=False) as session:
            user = create_user(session, email=args.email, role=args.role, password=password)
            email, role = user.email, user.role
    except UserError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()
    print(f"Created {role} {email}.")
    if generated:
        print(f"Password (shown once): {password}")


def _new_password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password as `user create` takes it: standard input, a prompt, or generated."""
    from app.services.users import generate_password

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if sys.stdin.isatty() and not args.generate_password:
        return getpass.getpass("Password (at least 12 characters): "), False
    return generate_password(), True


def _change_user(settings: Settings, email: str, change: Callable[[Session, User], str]) -> str:
    """Find the user by email and apply one change in one transaction; returns what to print."""
    from app.services.users import UserError, find_user_by_email

    database = migrate_database(settings)
    try:
        with database.write(content=False) as session:
            user = find_user_by_email(session, email)
            if user is None:
                raise CommandError(f"there is no user with email {email.strip().lower()}")
            return change(session, user)
    except UserError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()


def cmd_user_list(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.users import list_users

    database = migrate_database(settings)
    try:
        with database.read() as session:
            rows = [(u.email, u.role, u.is_active) for u in list_users(session)]
    finally:
        database.dispose()
    if not rows:
        print("No users yet; add one with 'incidents user create'.", file=sys.stderr)
        return
    width = max(len(email) for email, _, _ in rows)
    for email, role, active in rows:
        print(f"{email:<{width}}  {role:<6}  {'active' if active else 'inactive'}")


def cmd_user_deactivate(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.users import deactivate

    def change(session: Session, user: User) -> str:
        deactivate(session, user, acting_admin=None)
        return f"Deactivated {user.email}; their sessions have ended."

    print(_change_user(settings, args.email, change))


def cmd_user_activate(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.users import reactivate

    def change(session: Session, user: User) -> str:
        reactivate(session, user, acting_admin=None)
        return f"Activated {user.email}."

    print(_change_user(settings, args.email, change))


def cmd_user_set_role(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.users import set_role

    def change(session: Session, user: User) -> str:
        set_role(session, user, args.role)
        return f"{user.email} is now {user.role}."

    print(_change_user(settings, args.email, change))


def cmd_user_set_password(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.users import set_password

    password, generated = _new_password(args)

    def change(session: Session, user: User) -> str:
        set_password(session, user, password)
        return f"Changed the password of {user.email}; their sessions have ended."

    print(_change_user(settings, args.email, change))
    if generated:
        print(f"Password (shown once): {password}")


def _progress_bar(total: int, unit: str = "rows") -> Callable[[int], None] | None:
    if not sys.stderr.isatty() or total == 0:
        return None

    def show(done: int) -> None:
        if done % 200 and done != total:
            return
        filled = int(30 * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {unit}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_import(args: argparse.Namespace, settings: Settings) -> None:
    from pathlib import Path

    from app.importers.common import FileRejected
    from app.services.imports import OptionRefused, import_options, run_import

    path = Path(args.file)
    try:
        options = import_options(
            dataset=args.dataset,
            country=args.country or "",
            delimiter=args.delimiter,
            border_only=args.border_only,
            dry_run=args.dry_run,
        )
    except OptionRefused as refused:
        raise CommandError(str(refused)) from None
    try:
        with path.open("rb") as handle:
            total = max(0, sum(1 for _ in handle) - 1)
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
    database = migrate_database(settings)
    try:
        report = run_import(
            database,
            options,
            path,
            file_name=path.name,
            claims_path=Path(args.claims) if args.claims else None,
            progress=_progress_bar(total),
        )
    except FileRejected as error:
        raise CommandError(f"{error}; nothing was imported") from None
    finally:
        database.dispose()
    prefix = "Dry run, nothing saved: " if args.dry_run else ""
    run = f" (import run {report.run_id})" if report.run_id else ""
    print(f"{prefix}{report.summary()}{run}.")
    for line, message in report.repaired:
        print(f"  line {line}: repaired: {message}")
    for line, message in report.errors:
        print(f"  line {line}: {message}")
    if report.unmapped:
        print(f"  {len(report.unmapped)} names no actor is known by (map them at /review/actors):")
        for name, events in sorted(report.unmapped.items(), key=lambda item: -item[1]):
            print(f"    {name} ({events} events)")


def _score(value: str) -> float:
    from app.services.matching import parse_score

    try:
        return parse_score(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cmd_match(args: argparse.Namespace, settings: Settings) -> None:
    import json

    from app.services.matching import MatchSettings
    from app.services.proposals import accept_above, propose_matches
    from app.services.proposals_view import proposals_as_json

    try:
        wanted = MatchSettings(
            window_days=args.window_days, distance_km=args.distance_km, min_score=args.min_score
        )
    except ValueError as error:
        raise CommandError(str(error)) from None
    database = migrate_database(settings)
    try:
        with database.write() as session:
            print("Matching incidents across datasets...", file=sys.stderr)
            run = propose_matches(session, wanted)
            merged = []
            if args.accept_above is not None:
                merged = accept_above(session, args.accept_above, origin="incidents match")
            if args.json:
                print(json.dumps(proposals_as_json(session, run, merged), indent=2))
                return
            print(
                f"{len(run.candidates)} candidate pairs: {run.new} new, {run.updated} updated, "
                f"{run.decided} already decided, {run.withdrawn} withdrawn."
            )
            for candidate in run.candidates[:50]:
                print(
                    f"  {candidate.score:.2f}  #{candidate.low_id} ~ #{candidate.high_id}: "
                    + "; ".join(candidate.reasons)
                )
            if len(run.candidates) > 50:
                print(f"  ... and {len(run.candidates) - 50} more (--json lists them all)")
            for planned in merged:
                others = ", ".join(f"#{i}" for i in planned.others)
                print(f"Merged into #{planned.keep}: {others}")
            if not args.accept_above:
                print("Review them at /review/matches.")
    finally:
        database.dispose()


def cmd_merge(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.editing import NotFound
    from app.services.merging import MergeRefused, merge_incidents

    database = migrate_database(settings)
    try:
        with database.write() as session:
            merge = merge_incidents(session, args.keep, args.other, origin="incidents merge")
            print(
                f"Incident {args.other} merged into incident {args.keep} (merge {merge.id}); "
                f"/incidents/{args.other} now answers 301 to /incidents/{args.keep}. "
                f"To undo: incidents unmerge {args.other}"
            )
    except (NotFound, MergeRefused) as error:
        raise CommandError(f"{str(error).rstrip('.')}; nothing was changed") from None
    finally:
        database.dispose()


def cmd_unmerge(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.editing import NotFound
    from app.services.merging import MergeRefused, find_merge, unmerge

    database = migrate_database(settings)
    try:
        with database.write() as session:
            merge = find_merge(session, args.incident)
            survivor = merge.survivor_id
            unmerge(session, merge, origin="incidents unmerge")
            print(f"Incident {args.incident} is back on its own, out of incident {survivor}.")
    except (NotFound, MergeRefused) as error:
        raise CommandError(f"{str(error).rstrip('.')}; nothing was changed") from None
    finally:
        database.dispose()


def cmd_backup(args: argparse.Namespace, settings: Settings) -> None:
    from pathlib import Path

    from app.services.backup import BackupError, backup

    _open_database(settings).dispose()
    try:
        backup(settings.database_url, Path(args.file))
    except BackupError as error:
        raise CommandError(str(error)) from None
    print(f"Backed up {_safe_url(settings.database_url)} to {args.file}.")


def cmd_restore(args: argparse.Namespace, settings: Settings) -> None:
    from pathlib import Path

    from app.services.backup import BackupError, restore

    if not args.yes:
        raise CommandError("restoring replaces everything in the database; add --yes to go ahead")
    try:
        restore(settings.database_url, Path(args.file))
    except BackupError as error:
        raise CommandError(str(error)) from None
    migrate_database(settings).dispose()  # a backup from an older version is brought up to date
    print(f"Restored {args.file} into {_safe_url(settings.database_url)}.")


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.tokens import create_token
    from app.services.users import find_user_by_email

    database = migrate_database(settings)
    try:
        with database.write(content=False) as session:
            user = find_user_by_email(session, args.email)
            if user is None:
                raise CommandError(f"there is no user {args.email}")
            token, secret = create_token(session, user=user, name=args.name)
            token_id = token.id
    finally:
        database.dispose()
    print(f"Token {token_id} for {args.email} (shown once, keep it safe): {secret}")


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.tokens import revoke_token

    database = _open_database(settings)
    try:
        with database.write(content=False) as session:
            if not revoke_token(session, args.id):
                raise CommandError(f"there is no active token {args.id}")
    finally:
        database.dispose()
    print(f"Token {args.id} revoked.")


def cmd_token_list(args: argparse.Namespace, settings: Settings) -> None:
    from app.services.tokens import list_tokens

    database = _open_database(settings)
    try:
        with database.read() as session:
            for token in list_tokens(session):
                state = "revoked" if token.revoked_at else "active"
                print(f"{token.id}\t{token.user.email}\t{state}\t{token.name}")
    finally:
        database.dispose()


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{port} is not between 1 and 65535")
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _incident_id(value: str) -> int:
    from app.models.base import MAX_ID

    number = _positive(value)
    if number > MAX_ID:
        raise argparse.ArgumentTypeError(f"no incident has a number as large as {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="incidents",
        description="Border Incident Tracker: incidents on the Pakistan–Afghanistan border and "
        "every party's claims. The database comes from DATABASE_URL (default: a SQLite file "
        "in ./data/).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    serve = commands.add_parser("serve", help="migrate the database, then run the web app")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not migrate first (when a separate step migrates, as in docker-compose)",
    )
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser(
        "migrate", help="create or upgrade the schema; load reference data"
    )
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser("demo", help="load the October 2025 demo incidents (idempotent)")
    demo.set_defaults(handler=cmd_demo)

    synth = commands.add_parser(
        "synth", help="add synthetic incidents for measuring speed (same seed, same data)"
    )
    synth.add_argument("--incidents", type=_positive, required=True, help="how many to add")
    synth.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    synth.set_defaults(handler=cmd_synth)

    importer = commands.add_parser(
        "import", help="import an ACLED or UCDP GED export, or this app's own CSV export"
    )
    importer.add_argument(
        "dataset",
        choices=["acled", "ucdp", "native"],
        help="which dataset the file is from (native: this app's /incidents.csv)",
    )
    importer.add_argument("file", help="the CSV file")
    importer.add_argument("--country", help="keep only these countries, e.g. PAK,AFG")
    importer.add_argument(
        "--border-only",
        action="store_true",
        help="keep only events in the districts on the border (and count what is left out)",
    )
    importer.add_argument(
        "--delimiter",
        default=",",
        help="the file's field separator: , (the default) ; | or tab",
    )
    importer.add_argument("--claims", help="native only: the matching ?rows=claims export")
    importer.add_argument(
        "--dry-run", action="store_true", help="read and check everything, save nothing"
    )
    importer.set_defaults(handler=cmd_import)

    match = commands.add_parser(
        "match",
        help="propose incidents that are one event in different datasets (review at "
        "/review/matches)",
    )
    match.add_argument(
        "--window-days", type=int, default=1, help="days either side, before date precision (1)"
    )
    match.add_argument(
        "--distance-km", type=float, default=25.0, help="how far apart two places may be (25)"
    )
    match.add_argument(
        "--min-score", type=_score, default=0.7, help="propose pairs scoring at least this (0.7)"
    )
    match.add_argument("--json", action="store_true", help="print the proposals as JSON")
    match.add_argument(
        "--accept-above",
        type=_score,
        metavar="S",
        help="merge the proposals scoring S or more (a group at a time)",
    )
    match.set_defaults(handler=cmd_match)
    merge = commands.add_parser(
        "merge", help="merge incident OTHER into incident KEEP (undo with `unmerge OTHER`)"
    )
    merge.add_argument("keep", type=_incident_id, metavar="KEEP", help="the incident that stays")
    merge.add_argument("other", type=_incident_id, metavar="OTHER", help="the incident folded in")
    merge.set_defaults(handler=cmd_merge)
    unmerge = commands.add_parser(
        "unmerge", help="undo the merge that folded INCIDENT into another"
    )
    unmerge.add_argument(
        "incident", type=_incident_id, metavar="INCIDENT", help="the merged-away id"
    )
    unmerge.set_defaults(handler=cmd_unmerge)

    backup = commands.add_parser("backup", help="copy the whole database to a file")
    backup.add_argument("file", help="where to write the backup")
    backup.set_defaults(handler=cmd_backup)
    restore = commands.add_parser("restore", help="replace the database with a backup")
    restore.add_argument("file", help="a file written by `incidents backup`")
    restore.add_argument(
        "--yes", action="store_true", help="confirm: everything now there is replaced"
    )
    restore.set_defaults(handler=cmd_restore)

    token = commands.add_parser("token", help="API tokens, each acting as one user")
    token_commands = token.add_subparsers(
        dest="token_command", metavar="ACTION", parser_class=_Parser
    )
    token_commands.required = True
    token_create = token_commands.add_parser("create", help="make a token (shown once)")
    token_create.add_argument("--email", required=True, help="the user the token acts as")
    token_create.add_argument("--name", default="", help="what the token is for")
    token_create.set_defaults(handler=cmd_token_create)
    token_revoke = token_commands.add_parser("revoke", help="revoke a token at once")
    token_revoke.add_argument("--id", type=_positive, required=True, help="the token's number")
    token_revoke.set_defaults(handler=cmd_token_revoke)
    token_list = token_commands.add_parser("list", help="list tokens (never their secrets)")
    token_list.set_defaults(handler=cmd_token_list)

    user = commands.add_parser("user", help="manage editor and admin accounts")
    user_commands = user.add_subparsers(dest="user_command", metavar="ACTION", parser_class=_Parser)
    user_commands.required = True
    create = user_commands.add_parser("create", help="create an account")
    create.add_argument("--email", required=True, help="the person's email address (their login)")
    create.add_argument(
        "--role", required=True, choices=[r.value for r in UserRole], help="editor or admin"
    )
    secret = create.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    secret.add_argument(
        "--generate-password", action="store_true", help="generate a password and print it once"
    )
    create.set_defaults(handler=cmd_user_create)

    listing = user_commands.add_parser("list", help="list accounts: email, role, active or not")
    listing.set_defaults(handler=cmd_user_list)

    deactivate = user_commands.add_parser(
        "deactivate", help="stop an account from signing in and end its sessions"
    )
    deactivate.add_argument("--email", required=True, help="the account's email address")
    deactivate.set_defaults(handler=cmd_user_deactivate)

    activate = user_commands.add_parser("activate", help="let a deactivated account sign in")
    activate.add_argument("--email", required=True, help="the account's email address")
    activate.set_defaults(handler=cmd_user_activate)

    set_role = user_commands.add_parser("set-role", help="make an account an editor or an admin")
    set_role.add_argument("--email", required=True, help="the account's email address")
    set_role.add_argument(
        "--role", required=True, metavar="{editor,admin}", help="the new role: editor or admin"
    )
    set_role.set_defaults(handler=cmd_user_set_role)

    set_password = user_commands.add_parser(
        "set-password", help="give an account a new password and end its sessions"
    )
    set_password.add_argument("--email", required=True, help="the account's email address")
    new_secret = set_password.add_mutually_exclusive_group()
    new_secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    new_secret.add_argument(
        "--generate-password", action="store_true", help="generate a password and print it once"
    )
    set_password.set_defaults(handler=cmd_user_set_password)
    return parser


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace, Settings], None] = args.handler
    try:
        handler(args, load_settings())
    except CommandError as error:
        print(f"incidents: error: {error}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, AlembicError, OSError) as error:
        # Whatever the database or the file system refused, say it in one line.
        print(f"incidents: error: {_first_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
