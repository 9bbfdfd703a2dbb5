"""``bench/workers.py`` still runs, with tiny numbers, so the benchmark of ``c2cbot run
--workers N`` cannot rot: every run it lists is measured, and everything sent arrived.

It runs as the README says to run it, a process of its own from the repository root,
and starts the real ``c2cbot`` command; nothing here is timed. PostgreSQL only (the
workers need it): it runs with ``C2C_TEST_DATABASE_URL``, in scratch databases of its own
on that server, dropped afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    *("--updates", "24", "--users", "6", "--connections", "4"),
    *("--wechat-rate", "20", "--wechat-seconds", "1", "--wechat-users", "10", "--quiet", "10"),
]
# Every kind of run once (one worker on PostgreSQL runs the same code as two): about a
# minute on a quiet machine.
RUNS = ["echo-polling", "echo-webhook", "tg-pg-2", "tg-sqlite-1", "wechat-pg-2"]

pytestmark = pytest.mark.skipif(
    not (POSTGRES_URL or "").startswith("postgresql"),
    reason="several workers need PostgreSQL: set C2C_TEST_DATABASE_URL",
)


def _bench() -> tuple[int, dict[str, Any], str]:
    assert POSTGRES_URL is not None
    server = make_url(POSTGRES_URL).render_as_string(hide_password=False)
    command = [sys.executable, "bench/workers.py", *TINY, "--runs", *RUNS, "--postgres", server]
    command += ["--json", "--no-file"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


def test_every_run_is_measured_and_everything_sent_arrived() -> None:
    status, report, errors = _bench()
    assert status == 0, errors[-3000:]
    telegram = {run["name"]: run for run in report["telegram"]}
    wechat = {run["name"]: run for run in report["wechat"]}
    assert [*telegram, *wechat] == RUNS
    for name, run in telegram.items():
        said = (name, run["problems"], (run["logs"] or {}).get("kinds"))
        assert run["updates"] == 24 and run["users"] == 6, name
        assert run["replies"] == run["replies_expected"] >= 24, said
        assert run["extra_replies_after"] == 0 and run["fake_errors"] == 0, said
        assert run["updates_per_s"] > 0 and run["cpu_seconds"]["bot"] is not None, name
        assert len(run["load_before"]) == 3, name
        if run["bot"] == "c2cbot":  # the echo bot handles updates concurrently: any order
            assert run["out_of_order_chats"] == 0, said
            assert run["stored_answers"] == 24, said
            assert run["outbox"] == {"sent": run["outbox"]["sent"]}, said
            assert run["webhook"]["undelivered"] == 0, said
            assert run["logs"]["error_lines"] == 0, said
            assert run["problems"] == [], said
    assert telegram["tg-pg-2"]["workers"] == 2 and telegram["tg-sqlite-1"]["database"] == "sqlite"
    for name, run in wechat.items():
        said = (name, run["problems"], run["logs"]["kinds"])
        assert run["inbound_stored"] == run["inbound_expected"] == 20, said
        assert run["api_replies_missing"] == 0, said
        result = run["result"]
        assert result["answered_200"] == result["requests"] == 20, said
        assert result["passive"] + result["success"] == 20, said
        assert result["errors"] == {} and run["logs"]["error_lines"] == 0, said
    assert report["goals"]["telegram_goal_x_echo"] == 5.0
    assert set(report["machine"]) >= {"nproc", "cpu_model", "load_average_at_start"}
    assert report["code"]["commit"]
