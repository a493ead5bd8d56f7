"""Uploaded workbooks as temporary files, for the web pages and the REST API alike.

Both HTTP adapters receive a workbook as an upload (a name and a stream); the services
read workbooks from paths. `saved_upload` checks the name and writes the bytes to a
temporary file that is removed afterwards.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from snop.errors import InvalidInput, Issue

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


class Upload(Protocol):
    """What an uploaded file offers (FastAPI's ``UploadFile`` is one)."""

    @property
    def filename(self) -> str | None:
        """The name the file had on the sender's computer."""

    @property
    def file(self) -> BinaryIO:
        """Its content."""


@contextmanager
def saved_upload(upload: Upload) -> Iterator[Path]:
    """An uploaded workbook as a temporary file, removed afterwards."""
    suffix = Path(upload.filename or "upload.xlsx").suffix.lower() or ".xlsx"
    if suffix not in WORKBOOK_SUFFIXES:
        raise InvalidInput([Issue("bad_file", f"upload an .xlsx workbook, not '{suffix}'")])
    with tempfile.TemporaryDirectory(prefix="snop-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(upload.file.read())
        yield path
