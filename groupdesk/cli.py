"""The `groupdesk` command: serve, worker, migrate, load, token, api-token, check-desk."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from server.config import Settings


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's message names the variable
        sys.exit(f"groupdesk: invalid settings: {exc}")


def cmd_serve(args: argparse.Namespace) -> int:
    from groupdesk.app import create_app
    from server.errors import ConfigurationError
    from server.logs import configure_logging
    from groupdesk.console import console_is_built
    from groupdesk.serving import PortInUse, bind, serve

    settings = _settings()
    host, port = args.host or settings.host, args.port or settings.port
    try:
        sock = bind(host, port)  # first: a taken port is the one line the operator sees
    except PortInUse as exc:
        print(exc, file=sys.stderr)
        return 1
    configure_logging(settings.log_level)
    if args.workers > 1:
        from groupdesk.workers import serve_workers

        return serve_workers(settings, sock, host, port, args.workers)
    try:
        app = create_app(settings)
    except ConfigurationError as exc:
        sock.close()
        print(f"groupdesk: cannot start: {exc.message}", file=sys.stderr)
        return 2
    return serve(app, sock, host, port, dev_issuer=bool(settings.dev_issuer),
                 ws_max_size=settings.max_body_bytes, console=console_is_built(settings))


async def _migrate(settings: Settings, revision: str, status: bool) -> int:
    from server import migrations
    from server.db import create_engine

    engine = create_engine(settings.database_url)
    try:
        current, head = await migrations.current_revision(engine), migrations.head_revision()
        if status:
            print(migrations_status(current, head, migrations.history()))
            return 0
        print(f"groupdesk: database at {current or 'empty (no schema yet)'}; migrating to {revision}"
              f"{f' ({head})' if revision == 'head' else ''}", flush=True)
        say = lambda step: print(f"groupdesk: {step}", flush=True)  # noqa: E731
        if revision.startswith("-") or revision == "base":
            await migrations.downgrade(engine, revision, on_step=say)
        else:
            await migrations.upgrade(engine, revision, on_step=say)
        reached = await migrations.current_revision(engine)
        print(f"groupdesk: database at {reached or 'base (empty)'}"
              f"{' (head, up to date)' if reached == head else ''}"
              f"{'; nothing to do' if reached == current else ''}")
    finally:
        await engine.dispose()
    return 0


def migrations_status(current: str | None, head: str, history: list[tuple[str, str]]) -> str:
    """`migrate --status`: every revision, which are applied, and where the database stands."""
    known = [rev for rev, _ in history]
    applied = set(known[: known.index(current) + 1]) if current in known else set()
    lines = [f"  [{'x' if rev in applied else ' '}] {rev}  {doc}" for rev, doc in history]
    if current == head:
        verdict = f"database at {head}, the latest revision: up to date"
    elif current is None:
        verdict = f"database empty (no revision applied); run `groupdesk migrate` to reach {head}"
    elif current not in known:
        verdict = f"database at {current}, a revision this version does not know (head is {head})"
    else:
        verdict = f"database at {current}, head is {head}: run `groupdesk migrate`"
    return "\n".join([*lines, verdict])


def cmd_migrate(args: argparse.Namespace) -> int:
    return asyncio.run(_migrate(_settings(), args.revision, args.status))


async def _load(settings: Settings, path: str, dry_run: bool, demo_tickets: bool = False) -> int:
    from server import migrations
    from groupdesk.cli_progress import LoadProgress
    from server.db import create_engine, session_factory, writer_session
    from server.errors import GroupdeskError
    from server.importing import import_federation
    from tenants.federation import FederationInvalid, load_federation

    try:
        federation = load_federation(path)
    except FederationInvalid as exc:
        print(f"groupdesk: {path} refused, nothing imported:\n{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"groupdesk: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        await migrations.upgrade(engine)
        progress = LoadProgress()
        try:
            async with writer_session(session_factory(engine)) as session:
                report = await import_federation(session, federation, progress)
                if dry_run:
                    await session.rollback()
        except GroupdeskError as exc:
            progress.finish()
            print(f"groupdesk: {path} refused, nothing imported:\n{exc.message}", file=sys.stderr)
            return 2
        progress.finish()
        print(report.summary() or "nothing to import")
        print("dry run: nothing written" if dry_run else
              ("imported" if report.changed else "already up to date: nothing changed"))
        if demo_tickets and not dry_run:
            from groupdesk.demo_tickets import load_demo_tickets_cli

            return await load_demo_tickets_cli(settings, engine)
    finally:
        await engine.dispose()
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    return asyncio.run(_load(_settings(), args.file, args.dry_run, args.demo_tickets))


async def _token(settings: Settings, username: str, lifetime: int) -> int:
    from sqlalchemy import select

    from server.db import create_engine, session_factory
    from server.identity.local_issuer import LocalIssuer
    from server.identity.models import User

    if not settings.dev_issuer:
        print("groupdesk: the development issuer is disabled (GROUPDESK_DEV_ISSUER / production); "
              "get tokens from your Keycloak realm", file=sys.stderr)
        return 2
    issuer = LocalIssuer.load_or_create(settings.dev_issuer_key_file)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            user = await session.scalar(select(User).where(User.username == username))
    finally:
        await engine.dispose()
    if user is None:
        print(f"groupdesk: no local user {username!r} (run `groupdesk load` or check the name)",
              file=sys.stderr)
        return 2
    if not user.active:
        print(f"groupdesk: user {username!r} is deactivated", file=sys.stderr)
        return 2
    print(issuer.sign(user.username, username=user.username, lifetime=lifetime))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    return asyncio.run(_token(_settings(), args.username, args.lifetime))


def cmd_worker(args: argparse.Namespace) -> int:
    from server.jobs.worker import run_worker
    from server.logs import configure_logging

    settings = _settings()
    configure_logging(settings.log_level)
    return run_worker(settings, threads=args.threads, sweep=not args.no_sweep)


async def _check_desk(settings: Settings, slug: str) -> int:
    from server.db import create_engine, session_factory
    from server.mirror.desks import check_desk

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            result = await check_desk(session, slug)
    finally:
        await engine.dispose()
    print(f"{slug}: {'ok' if result.ok else 'NOT OK'}: {result.detail}")
    return 0 if result.ok else 1


def cmd_check_desk(args: argparse.Namespace) -> int:
    return asyncio.run(_check_desk(_settings(), args.school))


async def _catalog_sync(settings: Settings, source: str, deactivate: bool, dry_run: bool) -> int:
    from server import migrations
    from server.catalog_sync import sync_catalogue
    from server.db import create_engine, session_factory

    engine = create_engine(settings.database_url)
    try:
        await migrations.upgrade(engine)
        outcome = await sync_catalogue(session_factory(engine), source, deactivate_missing=deactivate,
                                       dry_run=dry_run, settings=settings)
    finally:
        await engine.dispose()
    if outcome.error is not None:
        print(f"groupdesk: {outcome.error}", file=sys.stderr)
        return 2
    assert outcome.report is not None
    print(outcome.report.summary() or "nothing to import")
    print(f"run {outcome.run_id} recorded; " + ("dry run: nothing written" if dry_run else
          ("catalogue updated" if outcome.report.changed else "already up to date: nothing changed")))
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    return asyncio.run(_catalog_sync(_settings(), args.source, args.deactivate_missing, args.dry_run))


async def _stats_rollup(settings: Settings, days_per_step: int) -> int:
    from server import migrations
    from server.db import create_engine, session_factory, utcnow
    from server.reports.rollup import RollupRun, backfill

    def progress(run: RollupRun) -> None:
        if run.locked:
            print(f"groupdesk: stats rolled up to {run.rolled_until} ({run.added} days added, "
                  f"{len(run.rebuilt)} rebuilt, {run.remaining} to go)", file=sys.stderr, flush=True)

    engine = create_engine(settings.database_url)
    try:
        await migrations.upgrade(engine)
        run = await backfill(session_factory(engine), today=utcnow().date(),
                             days_per_step=days_per_step, progress=progress)
    finally:
        await engine.dispose()
    if not run.locked:
        print("groupdesk: another process is rolling up the stats; nothing done", file=sys.stderr)
        return 1
    print(f"stats rolled up to {run.rolled_until} (every complete UTC day before it)")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    return asyncio.run(_stats_rollup(_settings(), args.days_per_step))


def cmd_api_token(args: argparse.Namespace) -> int:
    from groupdesk.cli_api_tokens import run_api_token

    return asyncio.run(run_api_token(_settings(), args))


def parser() -> argparse.ArgumentParser:
    from groupdesk.cli_help import examples

    p = argparse.ArgumentParser(prog="groupdesk", description="Group ticketing federation service. "
                                "Settings come from GROUPDESK_* environment variables.",
                                **examples("groupdesk"))
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    s = sub.add_parser("serve", **examples("serve"), help="run the HTTP server (GraphQL on /graphql)")
    s.add_argument("--host", help="bind address (default: GROUPDESK_HOST or 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default: GROUPDESK_PORT or 8000)")
    s.add_argument("--workers", type=int, default=1,
                   help="server processes on the one port (default 1); the first runs the "
                        "scheduler and the embedded relay, the others only serve")
    s.set_defaults(func=cmd_serve)
    w = sub.add_parser("worker", **examples("worker"),
                       help="deliver mirror events and notification mails from the broker "
                            "(GROUPDESK_BROKER_URL)")
    w.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    w.add_argument("--no-sweep", action="store_true",
                   help="do not re-send due deliveries periodically (another worker does)")
    w.set_defaults(func=cmd_worker)
    c = sub.add_parser("check-desk", **examples("check-desk"),
                       help="test a school's desk: URL, credentials, mappings")
    c.add_argument("school", help="the school's slug, e.g. insa-lyon")
    c.set_defaults(func=cmd_check_desk)
    m = sub.add_parser("migrate", **examples("migrate"),
                       help="upgrade the database schema (default: to head)")
    m.add_argument("revision", nargs="?", default="head", help="target revision (head, base, -1, ...)")
    m.add_argument("--status", action="store_true",
                   help="show every revision, which are applied and where the database stands; "
                        "change nothing")
    m.set_defaults(func=cmd_migrate)
    ld = sub.add_parser("load", **examples("load"), help="import a federation YAML file (idempotent)")
    ld.add_argument("file", help="path to the federation file, e.g. tenants/federations/insa.yaml")
    ld.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    ld.add_argument("--demo-tickets", action="store_true",
                    help="then open the demo tickets (one in every state) if the database has no ticket; "
                         "development only")
    ld.set_defaults(func=cmd_load)
    cat = sub.add_parser("catalog", **examples("catalog"), help="keep the catalogue in step with its source")
    cat_sub = cat.add_subparsers(dest="action", required=True, metavar="ACTION")
    cs = cat_sub.add_parser("sync", **examples("sync"),
                            help="import bricks, services and sub-services from a federation file or URL, "
                                 "or the group's iTop service catalogue")
    cs.add_argument("source", help="a federation file's path or http(s) URL, or itop+https://HOST "
                                   "(the group's iTop; account in GROUPDESK_CATALOG_ITOP_*)")
    cs.add_argument("--deactivate-missing", action="store_true",
                    help="deactivate the entries the source no longer names (default: only list them)")
    cs.add_argument("--dry-run", action="store_true", help="report, write nothing but the run's record")
    cat.set_defaults(func=cmd_catalog)
    st = sub.add_parser("stats", **examples("stats"), help="the summary tables `stats` reads")
    st_sub = st.add_subparsers(dest="action", required=True, metavar="ACTION")
    sr = st_sub.add_parser("rollup", **examples("rollup"),
                           help="roll up every complete day not yet rolled up and rebuild the changed "
                                "ones, with progress (the server's scheduler does it too, a few "
                                "weeks per tick)")
    sr.add_argument("--days-per-step", type=int, default=60, metavar="N",
                    help="days rolled up per transaction (default 60)")
    st.set_defaults(func=cmd_stats)
    t = sub.add_parser("token", **examples("token"),
                       help="print a development bearer token for a user (stdout only)")
    t.add_argument("username", help="a user of the loaded federation, e.g. amandine.roclerc "
                   "(the demo users are listed in tenants/federations/insa.yaml)")
    t.add_argument("--lifetime", type=int, default=8 * 3600, help="seconds (default 8 hours)")
    t.set_defaults(func=cmd_token)
    a = sub.add_parser("api-token", **examples("api-token"),
                       help="create, list or revoke API tokens of technical accounts")
    a_sub = a.add_subparsers(dest="action", required=True, metavar="ACTION")
    ac = a_sub.add_parser("create", **examples("create"),
                          help="create a token and print it alone on stdout (shown once)")
    ac.add_argument("--tenant", required=True, help="tenant slug, e.g. insa-lyon")
    ac.add_argument("--name", required=True, help="what the token is for, e.g. 'iTop production'")
    ac.add_argument("--purpose", choices=["desk", "scim"], default="desk",
                    help="desk: a local desk's calls (default); scim: user provisioning")
    al = a_sub.add_parser("list", **examples("list"),
                          help="list tokens with their last use (never the secret)")
    al.add_argument("--tenant", help="only this tenant's tokens")
    ar = a_sub.add_parser("revoke", **examples("revoke"), help="revoke a token at once")
    ar.add_argument("id", type=int, help="the token id shown by `list`")
    a.set_defaults(func=cmd_api_token)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from groupdesk.wiring import register_followers

    args = parser().parse_args(argv)
    register_followers()
    status: int = args.func(args)  # every cmd_* returns its exit status
    return status


if __name__ == "__main__":
    raise SystemExit(main())
