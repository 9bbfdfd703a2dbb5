"""Commands run on uvloop where it is installed, on asyncio's own loop when told, and a
missing uvloop is refused by name only when it was asked for."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from c2cbot.cli import main
from c2cbot.event_loop import LoopUnavailable, loop_factory, run_on

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_and_uvloop_run_on_uvloop() -> None:
    assert run_on("auto", _loop_module()).startswith("uvloop")
    assert run_on("uvloop", _loop_module()).startswith("uvloop")


def test_asyncio_runs_on_asyncios_own_loop() -> None:
    assert loop_factory("asyncio") is None
    assert run_on("asyncio", _loop_module()).startswith("asyncio")


def test_without_uvloop_auto_falls_back_and_uvloop_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what an import then raises: ImportError
    assert loop_factory("auto") is None
    assert run_on("auto", _loop_module()).startswith("asyncio")
    with pytest.raises(LoopUnavailable, match="C2C_EVENT_LOOP=uvloop"):
        loop_factory("uvloop")


def test_an_unknown_loop_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("C2C_EVENT_LOOP", "trio")
    assert main(["conversations", "check"]) == 2
    assert "C2C_EVENT_LOOP" in capsys.readouterr().err


async def test_async_tests_run_on_the_loop_the_commands_run_on() -> None:
    expected = "asyncio" if os.environ.get("C2C_EVENT_LOOP") == "asyncio" else "uvloop"
    assert (await _loop_module()).startswith(expected)
