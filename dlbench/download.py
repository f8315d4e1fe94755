"""Downloading and caching the data files of online tasks.

Owns the cache folder, streaming a file into it safely and verifying it; it does not own
parsing (each task's ``load()`` does that). A file reaches the cache only whole: it is
streamed to a ``*.part`` file in the same folder, checked against the server's
``Content-Length`` and the expected SHA-256, then moved into place with ``os.replace``.
A cached file is re-hashed on every use when a checksum is known (about 0.1 s per 100 MB),
so a corrupt or wrong file put there by hand is reported instead of mis-parsed.

Environment variables:

``DLBENCH_DATA``
    The cache folder (default ``~/.cache/dlbench``).
``DLBENCH_MIRROR``
    A base URL (``http://``, ``https://`` or ``file://``) that replaces every origin: the
    file cached as ``<filename>`` is fetched from ``$DLBENCH_MIRROR/<filename>``. For users
    behind a proxy or offline with a local copy, and for tests.

Every failure is a :class:`~dlbench.errors.UsageError` with a one-line message that says
what to do.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from dlbench.errors import UsageError

DATA_ENV = "DLBENCH_DATA"
MIRROR_ENV = "DLBENCH_MIRROR"
DEFAULT_HOME = Path("~/.cache/dlbench")
#: Seconds a connection or a single read may stall before the download fails.
TIMEOUT = 30.0
CHUNK = 1 << 20
#: Downloads larger than this show a progress bar when stderr is a terminal.
PROGRESS_MIN_BYTES = 5 << 20


def data_home() -> Path:
    """The cache folder: ``$DLBENCH_DATA`` if set, else ``~/.cache/dlbench`` (created here)."""
    home = Path(os.environ.get(DATA_ENV) or DEFAULT_HOME).expanduser()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the data cache {home}: {_one_line(exc.strerror or exc)}; "
            f"set ${DATA_ENV} to a writable folder"
        ) from None
    return home


def source_url(url: str, filename: str) -> str:
    """Where ``filename`` is downloaded from: ``$DLBENCH_MIRROR/<filename>`` or ``url``."""
    mirror = os.environ.get(MIRROR_ENV)
    return f"{mirror.rstrip('/')}/{quote(filename)}" if mirror else url


def fetch(url: str, filename: str, sha256: str | None = None, subdir: str = "") -> Path:
    """The path of ``filename`` in the cache, downloading it from ``url`` if it is missing."""
    folder = data_home() / subdir
    target = folder / filename
    if target.is_file():
        if sha256 and (got := file_sha256(target)) != sha256:
            raise UsageError(
                f"the cached file {target} has sha256 {got} but {sha256} was expected: "
                "delete it to download it again"
            )
        return target
    folder.mkdir(parents=True, exist_ok=True)
    source = source_url(url, filename)
    fd, part_name = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".part")
    part = Path(part_name)
    try:
        with os.fdopen(fd, "wb") as out:
            got = _download(source, out, filename, target)
        if sha256 and got != sha256:
            raise UsageError(
                f"{filename} from {source} has sha256 {got} but {sha256} was expected; "
                f"the file was discarded: run again, and if it persists put a good copy at {target}"
            )
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return target


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _one_line(reason: object) -> str:
    return " ".join(str(reason).split()) or "unknown error"


def _download(source: str, out, filename: str, target: Path) -> str:
    """Stream ``source`` into ``out``; the SHA-256 of what was written."""
    import http.client
    import urllib.error
    import urllib.request

    put_it = f"put the file at {target}"
    try:
        with urllib.request.urlopen(source, timeout=TIMEOUT) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            digest, size = _copy(response, out, expected, filename)
    except urllib.error.HTTPError as exc:
        raise UsageError(
            f"cannot download {filename} from {source}: the server answered {exc.code} {exc.reason}; "
            f"check the URL or ${MIRROR_ENV}, or {put_it}"
        ) from None
    except (OSError, http.client.HTTPException) as exc:  # URLError, refused, timeout, reset, DNS
        reason = getattr(exc, "reason", None) or exc
        raise UsageError(
            f"cannot download {filename} from {source} (offline?): {_one_line(reason)}; "
            f"connect to the internet or {put_it}"
        ) from None
    if expected is not None and size != expected:
        raise UsageError(
            f"the download of {filename} from {source} was interrupted after {size} of {expected} bytes; "
            f"run again to retry, or {put_it}"
        )
    return digest


def _copy(response, out, expected: int | None, label: str) -> tuple[str, int]:
    """Copy the body to ``out``; a body cut short ends the copy (the caller checks the size)."""
    from http.client import IncompleteRead

    digest = hashlib.sha256()
    size = 0
    with _Progress(label, expected) as advance:
        while True:
            try:
                chunk = response.read(CHUNK)
            except IncompleteRead:
                break
            if not chunk:
                break
            try:
                out.write(chunk)
            except OSError as exc:
                raise UsageError(
                    f"cannot write {label} into the data cache: {_one_line(exc.strerror or exc)}; "
                    f"free some disk space or point ${DATA_ENV} to another folder"
                ) from None
            digest.update(chunk)
            size += len(chunk)
            advance(len(chunk))
    return digest.hexdigest(), size


class _Progress:
    """A rich progress bar on an interactive stderr for big downloads, else nothing."""

    def __init__(self, label: str, total: int | None):
        self.bar = None
        if sys.stderr.isatty() and (total is None or total >= PROGRESS_MIN_BYTES):
            from rich.console import Console
            from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

            self.bar = Progress(
                *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                console=Console(stderr=True), transient=True,
            )
            self.task = self.bar.add_task(f"downloading {label}", total=total)

    def __enter__(self) -> Callable[[int], None]:
        if self.bar is None:
            return lambda n: None
        self.bar.start()
        return lambda n: self.bar.advance(self.task, n)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
