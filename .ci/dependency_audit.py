"""`make audit`: pip-audit of the installed (pinned) dependencies, with explained exceptions.

Exit codes: 0 no known vulnerability (or only explained ones); 1 a vulnerability without an exception;
2 the exceptions file is invalid (an entry without an id or a reason); 3 the audit could not be done (the
vulnerability service is unreachable, a package could not be looked up): never a silent pass.

DEPENDENCY_AUDIT_UNREACHABLE=warn turns exit 3 into a loud warning and exit 0 (for a CI machine that cannot reach
the vulnerability service; the lead decides where that is acceptable). PIP_AUDIT_SERVICE picks pip-audit's service
(pypi, the default, or osv).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXCEPTIONS = Path(os.environ.get("PIP_AUDIT_EXCEPTIONS", HERE / "pip-audit-exceptions.toml"))


def load_exceptions() -> list[dict[str, str]]:
    entries = tomllib.loads(EXCEPTIONS.read_text(encoding="utf-8")).get("ignore", [])
    bad = [
        entry for entry in entries if not str(entry.get("id", "")).strip() or not str(entry.get("reason", "")).strip()
    ]
    if bad:
        print(f"ERROR: {EXCEPTIONS.name}: every [[ignore]] needs an id and a reason: {bad}", file=sys.stderr)
        sys.exit(2)
    return entries


def run_pip_audit() -> tuple[dict | None, str]:
    service = os.environ.get("PIP_AUDIT_SERVICE", "pypi")
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--local",
        "--skip-editable",
        "--strict",
        "--progress-spinner=off",
        "--format=json",
        "--aliases=on",
        f"--vulnerability-service={service}",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    try:
        return json.loads(result.stdout), result.stderr
    except ValueError:
        return None, result.stderr or result.stdout


def unreachable(detail: str) -> int:
    print("=" * 78, file=sys.stderr)
    print("DEPENDENCY AUDIT NOT DONE: pip-audit could not look the dependencies up.", file=sys.stderr)
    print(
        "It needs the vulnerability service over the network (PyPI's per-release JSON API, or OSV with", file=sys.stderr
    )
    print("PIP_AUDIT_SERVICE=osv). pip-audit said:", file=sys.stderr)
    for line in detail.strip().splitlines()[-8:]:
        print(f"  {line}", file=sys.stderr)
    print("=" * 78, file=sys.stderr)
    if os.environ.get("DEPENDENCY_AUDIT_UNREACHABLE") == "warn":
        print("WARNING: continuing (DEPENDENCY_AUDIT_UNREACHABLE=warn).", file=sys.stderr)
        return 0
    return 3


def main() -> int:
    exceptions = load_exceptions()
    report, errors = run_pip_audit()
    if report is None:
        return unreachable(errors)
    dependencies = report.get("dependencies", [])
    used: set[str] = set()
    unexplained = []
    for dependency in dependencies:
        for vulnerability in dependency.get("vulns", []):
            names = {vulnerability["id"], *vulnerability.get("aliases", [])}
            match = next(
                (
                    e
                    for e in exceptions
                    if e["id"] in names and e.get("package", dependency["name"]) == dependency["name"]
                ),
                None,
            )
            if match is None:
                unexplained.append((dependency, vulnerability))
            else:
                used.add(match["id"])
                print(f"accepted {dependency['name']} {dependency['version']} {vulnerability['id']}: {match['reason']}")
    for entry in exceptions:
        if entry["id"] not in used:
            print(f"note: exception {entry['id']} ({entry.get('package', '?')}) no longer matches; remove it")
    for dependency, vulnerability in unexplained:
        fixes = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version yet"
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vulnerability['id']} (fixed in: {fixes})")
    print(f"{len(dependencies)} installed packages audited; {len(unexplained)} vulnerabilities without an exception.")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
