"""What a newcomer sees from the command line: progress, where the database stands, a taken port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from server import migrations
from tests.spine.test_cli import ROOT, run

COMMANDS = [["serve"], ["worker"], ["check-desk"], ["migrate"], ["load"], ["token"], ["api-token"],
            ["api-token", "create"], ["api-token", "list"], ["api-token", "revoke"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_help_ends_with_an_example_of_the_command(command: list[str], tmp_path: Path) -> None:
    result = run([*command, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    examples = result.stdout.split("examples:\n", 1)[1]
    assert f"groupdesk {' '.join(command)}" in examples


def test_token_help_says_what_its_argument_is(tmp_path: Path) -> None:
    help_text = run(["token", "--help"], tmp_path).stdout
    assert "a user of the loaded federation, e.g. amandine.roclerc" in " ".join(help_text.split())


def test_migrate_says_where_it_starts_and_each_step(tmp_path: Path) -> None:
    history = migrations.history()
    result = run(["migrate"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("groupdesk: database at empty (no schema yet); migrating to head")
    steps = [line for line in lines if line.startswith("groupdesk: upgraded ")]
    assert len(steps) == len(history)
    assert steps[0].startswith(f"groupdesk: upgraded empty -> {history[0][0]}: {history[0][1]}")
    assert lines[-1] == f"groupdesk: database at {history[-1][0]} (head, up to date)"
    again = run(["migrate"], tmp_path).stdout.splitlines()
    assert again[-1].endswith("nothing to do") and not any("upgraded" in line for line in again)


def test_migrate_status_shows_the_applied_revisions_and_changes_nothing(tmp_path: Path) -> None:
    history = migrations.history()
    empty = run(["migrate", "--status"], tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.count("[ ]") == len(history)
    assert "database empty (no revision applied)" in empty.stdout
    run(["migrate", history[1][0]], tmp_path)
    status = run(["migrate", "--status"], tmp_path).stdout
    assert f"  [x] {history[1][0]}" in status and f"  [ ] {history[2][0]}" in status
    assert f"database at {history[1][0]}, head is {history[-1][0]}: run `groupdesk migrate`" in status
    assert f"database at {history[1][0]}," in run(["migrate", "--status"], tmp_path).stdout


def test_load_not_on_a_terminal_prints_one_summary_line(tmp_path: Path) -> None:
    demo = str(ROOT / "tenants" / "federations" / "insa.yaml")
    result = run(["load", demo], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr
    summary = [line for line in result.stderr.splitlines() if line.startswith("groupdesk: read ")]
    assert len(summary) == 1
    assert " tenants, " in summary[0] and " users, " in summary[0] and " bricks, " in summary[0]
    assert " designations in " in summary[0]


def test_load_warns_about_a_brick_without_experts(tmp_path: Path) -> None:
    lonely = tmp_path / "lonely.yaml"
    lonely.write_text(
        "federation: X\n"
        "tenants:\n  - {slug: group, name: Group, kind: GROUP}\n  - {slug: lyon, name: Lyon, kind: SCHOOL}\n"
        "users:\n  - {username: e.x, tenant: lyon, email: e.x@lyon.example.org, name: E X, roles: [expert]}\n"
        "bricks:\n" + "".join(
            f"  - code: {code}\n    name: {code.title()}\n    description: The {code}.\n"
            "    services:\n      - name: Help\n        description: Help.\n"
            "        sub_services:\n          - {name: Question, description: A question.}\n"
            for code in ("moodle", "wiki")) +
        "experts:\n  - {user: e.x, brick: moodle}\n")
    result = run(["load", str(lonely)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: brick wiki has no expert" in result.stdout
    assert "brick moodle has no expert" not in result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_on_a_taken_port_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(["serve", "--port", str(port)], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"groupdesk serve: port {port} on 127.0.0.1 is already in use "
                                      "(set GROUPDESK_PORT or --port)")
    assert result.stdout == ""


def test_serve_says_where_graphiql_is_and_how_to_get_a_token_once_it_listens(tmp_path: Path) -> None:
    port = _free_port()
    environ = {**os.environ, "GROUPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
               "GROUPDESK_DEV_ISSUER_KEY_FILE": str(tmp_path / "key.json"), "PYTHONPATH": str(ROOT),
               "GROUPDESK_TICK_SECONDS": "0", "GROUPDESK_EMBEDDED_RELAY": "false"}
    environ.pop("GROUPDESK_ENV", None)
    process = subprocess.Popen([sys.executable, "-m", "groupdesk.cli", "serve", "--port", str(port)],
                               cwd=tmp_path, env=environ, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    seen: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            if line.startswith("groupdesk: ready"):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), "".join(seen)
        line = next(line for line in seen if line.startswith("groupdesk: ready"))
        assert f"GraphiQL on http://127.0.0.1:{port}/graphql" in line
        assert "groupdesk token amandine.roclerc" in line and "Authorization: Bearer" in line
        with socket.create_connection(("127.0.0.1", port), timeout=10):
            pass  # it listens by the time it says so
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=30)
        assert process.stderr is not None
        process.stderr.close()


def test_load_with_demo_tickets_opens_them_once(tmp_path: Path) -> None:
    demo = str(ROOT / "tenants" / "federations" / "insa.yaml")
    first = run(["load", demo, "--demo-tickets"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "demo tickets: 10 opened, one in every state" in first.stdout
    assert "warning:" not in first.stdout  # every demo brick has an expert
    again = run(["load", demo, "--demo-tickets"], tmp_path)
    assert "demo tickets: the database already has tickets, none added" in again.stdout
    production = run(["load", demo, "--demo-tickets"], tmp_path, GROUPDESK_ENV="production")
    assert production.returncode == 2 and "development only" in production.stderr
