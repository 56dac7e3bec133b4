from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from pathlib import Path

from django.http import HttpResponseBase
from openpyxl import load_workbook


def body_bytes(response: HttpResponseBase) -> bytes:
    if getattr(response, "streaming", False):
        # Consuming it closes it: the test client wraps the stream so that the end closes the response.
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def workbook(content: bytes):  # noqa: ANN201
    return load_workbook(io.BytesIO(content))


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF"), content[:40]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.pdf"
        path.write_bytes(content)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    # pdftotext breaks long lines: compare words, not layout.
    return " ".join(text.decode("utf-8").split())
