"""The dependency rules of DESIGN.md, enforced: the domain is pure, only store/ speaks SQL..."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert "Contracts: 9 kept, 0 broken." in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0
