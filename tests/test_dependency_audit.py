"""`make audit` (.ci/dependency_audit.py) against a stand-in pip-audit that answers a prepared report: a
vulnerability without an exception fails, an explained one passes, an exception without a reason is refused, and an
audit that could not reach the vulnerability service is never a silent pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "dependency_audit.py"
VULNERABLE = {
    "dependencies": [
        {"name": "django", "version": "6.1.3", "vulns": []},
        {
            "name": "example",
            "version": "1.0",
            "vulns": [{"id": "PYSEC-2026-1", "aliases": ["GHSA-aaaa-bbbb-cccc"], "fix_versions": ["1.1"]}],
        },
    ]
}


def _run(tmp_path: Path, *, report: dict | None, exceptions: str = "", **env: str) -> subprocess.CompletedProcess:
    fake = tmp_path / "fake" / "pip_audit"
    fake.mkdir(parents=True)
    if report is None:
        body = "import sys\nprint('ERROR: Connection refused: vulnerability service', file=sys.stderr)\nsys.exit(1)\n"
    else:
        body = f"print({json.dumps(json.dumps(report))})\nraise SystemExit(1)\n"
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(body)
    (tmp_path / "exceptions.toml").write_text(exceptions)
    environment = {
        **os.environ,
        "PYTHONPATH": str(fake.parent),
        "PIP_AUDIT_EXCEPTIONS": str(tmp_path / "exceptions.toml"),
    }
    environment.pop("DEPENDENCY_AUDIT_UNREACHABLE", None)
    environment.update(env)
    return subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=environment)


def test_a_vulnerability_without_an_exception_fails(tmp_path):
    result = _run(tmp_path, report=VULNERABLE)
    assert result.returncode == 1
    assert "VULNERABLE example 1.0: PYSEC-2026-1 (fixed in: 1.1)" in result.stdout


def test_an_explained_vulnerability_passes_by_its_alias(tmp_path):
    exceptions = '[[ignore]]\nid = "GHSA-aaaa-bbbb-cccc"\npackage = "example"\nreason = "Only the CLI is affected."\n'
    result = _run(tmp_path, report=VULNERABLE, exceptions=exceptions)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accepted example 1.0 PYSEC-2026-1: Only the CLI is affected." in result.stdout


def test_an_exception_without_a_reason_is_refused(tmp_path):
    result = _run(tmp_path, report=VULNERABLE, exceptions='[[ignore]]\nid = "PYSEC-2026-1"\nreason = " "\n')
    assert result.returncode == 2


@pytest.mark.parametrize(("mode", "code"), [(None, 3), ("warn", 0)])
def test_an_unreachable_service_is_shouted_never_silent(tmp_path, mode, code):
    result = _run(tmp_path, report=None, **({"DEPENDENCY_AUDIT_UNREACHABLE": mode} if mode else {}))
    assert result.returncode == code
    assert "DEPENDENCY AUDIT NOT DONE" in result.stderr
    assert "Connection refused" in result.stderr
