"""``pip install .`` alone gives a working bot: a wheel, not an editable checkout.

An editable install finds the conversations, templates and catalogues in the checkout
whether or not the wheel ships them. Only a wheel installed into an environment that
cannot see the checkout, and run from a directory outside it, shows that it does.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

from c2cbot.config import DEFAULT_HOME
from c2cbot.i18n import Catalogues

# The wheel is built once for the module: under pytest-xdist, on one worker.
pytestmark = [pytest.mark.wheel, pytest.mark.xdist_group("wheel")]

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = len(list((DEFAULT_HOME / "conversations").glob("*.yaml")))
CHINESE = Catalogues(DEFAULT_HOME / "locale")
SERVING = re.compile(r"Browser chat: (http://\S+/chat)")


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the wheel installed, and a way to run it."""

    environment: Path

    def command(self, name: str) -> str:
        return str(self.environment / "bin" / name)

    def run(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.command("c2cbot"), *args],
            cwd=cwd,
            env=outside_environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def outside_environment() -> dict[str, str]:
    """This process's environment without anything that could lead back to the checkout."""
    leading_back = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {
        k: v for k, v in os.environ.items() if not k.startswith("C2C_") and k not in leading_back
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(copy_sources(base / "source"), base / "dist")
    return install(wheel, base / "environment")


def copy_sources(target: Path) -> Path:
    """The top-level files and src/, without what earlier builds left behind.

    A stale build/ or egg-info in the checkout could add a file to the wheel that the
    package data no longer names, and hide exactly the mistake this test is for.
    """
    target.mkdir()
    for path in ROOT.iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, target / path.name)
    litter = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", target / "src", ignore=litter)
    return target


def build_wheel(source: Path, into: Path) -> Path:
    """Built offline with this environment's setuptools (the dev extra pins it)."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    options = ["--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", str(into)]
    subprocess.run([*pip, "wheel", *options, str(source)], check=True, timeout=120)
    [wheel] = into.glob("c2cbot-*.whl")
    return wheel


def install(wheel: Path, environment: Path) -> Installed:
    """The wheel alone, in an environment that borrows this one's dependencies.

    The dependencies come from this environment's site-packages through a .pth file,
    so nothing is downloaded; a .pth line only adds its folder to the path, so the
    editable install's own .pth (which leads to the checkout) is never read.
    """
    venv.create(environment, with_pip=False)
    here = sysconfig.get_paths()
    there = sysconfig.get_paths(vars={"base": str(environment), "platbase": str(environment)})
    borrowed = dict.fromkeys([here["purelib"], here["platlib"]])
    (Path(there["purelib"]) / "borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    python = str(environment / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "--python", python, "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=120,
    )
    return Installed(environment)


def test_the_bot_runs_from_the_wheel_not_from_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    found = subprocess.run(
        [installed.command("python"), "-c", "import c2cbot; print(c2cbot.__file__)"],
        cwd=tmp_path,
        env=outside_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found).is_relative_to(installed.environment), found
    assert not Path(found).is_relative_to(ROOT), found


def test_conversations_check_passes_outside_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    result = installed.run(tmp_path, "conversations", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{SHIPPED} conversations, 0 problems" in result.stdout


def test_the_weekly_digest_renders_in_chinese_from_the_wheel(
    installed: Installed, tmp_path: Path
) -> None:
    seeded = installed.run(tmp_path, "seed")  # migrations and reference data, from the wheel
    assert seeded.returncode == 0, seeded.stderr
    digest = installed.run(
        tmp_path, "digest", "--partnership", "Gothenburg–Shanghai", "--kind", "weekly", "--dry-run"
    )
    assert digest.returncode == 0, digest.stderr
    title = CHINESE.gettext("zh_Hans", "Weekly digest: {partnership}").split("{")[0]
    assert title and title != "Weekly digest: "
    assert title in digest.stdout


def test_demo_serves_the_chat_page_in_chinese_from_the_wheel(
    installed: Installed, tmp_path: Path
) -> None:
    log = tmp_path / "demo.log"
    environment = outside_environment() | {"C2C_HTTP_PORT": "0", "C2C_METRICS_PORT": "0"}
    with (
        log.open("w") as output,
        subprocess.Popen(
            [installed.command("c2cbot"), "demo"],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        ) as demo,
    ):
        try:
            chat = wait_for_chat(demo, log)
            page = fetch(chat, {"Accept-Language": "zh-CN,zh;q=0.9"})
            script = fetch(f"{chat}/static/chat.js", {})
        finally:
            stop(demo)
    title = CHINESE.gettext("zh_Hans", "c2cbot – city partnership assistant")
    assert title != "c2cbot – city partnership assistant"
    assert f"<title>{title}</title>" in page
    assert script


def wait_for_chat(demo: subprocess.Popen[bytes], log: Path, patience: float = 60) -> str:
    """The chat's URL once the demo serves it (it migrates and seeds first)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        served = SERVING.search(log.read_text(encoding="utf-8"))
        if served:
            return served.group(1)
        if demo.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"c2cbot demo did not serve the chat:\n{log.read_text(encoding='utf-8')}")


def stop(demo: subprocess.Popen[bytes]) -> None:
    demo.send_signal(signal.SIGTERM)
    try:
        demo.wait(timeout=30)
    except subprocess.TimeoutExpired:
        demo.kill()
        raise


def fetch(url: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read()
    return body.decode("utf-8")
