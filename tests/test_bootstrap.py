"""`source scripts/bootstrap.sh` changes nothing in the caller's shell but PATH: no `set -e`,
`-u` or `pipefail` left on, the working directory kept, and a failed installation returns
non-zero instead of closing the shell."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bash(script: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_sourcing_leaves_the_shell_options_and_directory_as_they_were(tmp_path):
    done = bash(f"set +e; cd {tmp_path}; source {ROOT}/scripts/bootstrap.sh; "
                "shopt -o errexit nounset pipefail; false; echo still-here; echo $UNSET_VARIABLE-ok; pwd; "
                "command -v healthcrawl", ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[:6] == ["errexit", "off", "nounset", "off", "pipefail", "off"], done.stdout
    assert "still-here" in lines and "-ok" in lines
    assert str(tmp_path) in lines  # not moved to the project root
    assert lines[-1] == str(ROOT / ".venv" / "bin" / "healthcrawl")


def test_a_failed_installation_returns_non_zero_without_closing_the_shell(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts")
    done = bash("set +e; PYTHON=false source scripts/bootstrap.sh; echo code=$?; echo still-here; "
                "shopt -o errexit | tr -s ' \\t' ' '", tmp_path)
    assert "code=1" in done.stdout and "still-here" in done.stdout, done.stdout + done.stderr
    assert "errexit off" in done.stdout
    assert "bootstrap failed" in done.stderr
