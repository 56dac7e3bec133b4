"""kombu's filesystem transport, the broker of `make run` when no Redis is configured.

Settings, `runall` and the tests that talk to a worker from outside all take the folders from here.
"""

from __future__ import annotations

from pathlib import Path


def filesystem_transport_options(var_dir: Path) -> dict[str, object]:
    broker = var_dir / "broker"
    return {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
        "store_processed": False,
    }


def filesystem_result_backend(var_dir: Path) -> str:
    return f"file://{var_dir / 'celery-results'}"


def make_folders(var_dir: Path) -> None:
    """The transport does not create its folders itself."""
    options = filesystem_transport_options(var_dir)
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        Path(str(options[key])).mkdir(parents=True, exist_ok=True)
    (var_dir / "celery-results").mkdir(parents=True, exist_ok=True)
