"""Downloading and caching the data files of online tasks and the pretrained weights.

Owns the cache folder and getting a file into it whole and verified, on top of ``pooch``: pooch
streams the file to a temporary file in the same folder, checks its SHA-256 (``known_hash``)
and only then moves it into place, so a failed or wrong download leaves nothing behind. This
module adds the mirror, the offline switch, the progress bar and one-line errors. It does not
own parsing (each task's ``load()`` does that) or what a file is for.

A cached file is re-hashed on every use when a checksum is known (about 0.1 s per 100 MB),
so a corrupt or wrong file put there by hand is reported instead of mis-parsed.

Environment variables:

``DLBENCH_DATA``
    The cache folder (default ``~/.cache/dlbench``).
``DLBENCH_MIRROR``
    A base URL (``http://``, ``https://`` or ``file://``) that replaces every origin: the
    file cached as ``<filename>`` is fetched from ``$DLBENCH_MIRROR/<filename>``. For users
    behind a proxy or offline with a local copy, and for tests.
``DLBENCH_OFFLINE``
    Anything but ``""`` or ``"0"``: a file that is not cached fails at once, without a
    connection attempt (a ``file://`` mirror is still copied: that needs no network).

Every failure is a :class:`DownloadFailed` (a :class:`~dlbench.core.errors.UsageError`) with a
one-line message that says what to do.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

from dlbench.core.errors import UsageError

DATA_ENV = "DLBENCH_DATA"
MIRROR_ENV = "DLBENCH_MIRROR"
OFFLINE_ENV = "DLBENCH_OFFLINE"
DEFAULT_HOME = Path("~/.cache/dlbench")
#: Seconds a connection or a single read may stall before the download fails.
TIMEOUT = 30.0
CHUNK = 1 << 20
#: Downloads larger than this show a progress bar when stderr is a terminal.
PROGRESS_MIN_BYTES = 5 << 20


class DownloadFailed(UsageError):
    """A file could not be had; ``problem`` is the message without the advice."""

    def __init__(self, problem: str, advice: str):
        super().__init__(f"{problem}; {advice}")
        self.problem = problem


def data_home() -> Path:
    """The cache folder: ``$DLBENCH_DATA`` if set, else ``~/.cache/dlbench`` (created here)."""
    home = Path(os.environ.get(DATA_ENV) or DEFAULT_HOME).expanduser()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadFailed(f"cannot create the data cache {home}: {_one_line(exc.strerror or exc)}",
                             f"set ${DATA_ENV} to a writable folder") from None
    return home


def source_url(url: str, filename: str) -> str:
    """Where ``filename`` is downloaded from: ``$DLBENCH_MIRROR/<filename>`` or ``url``."""
    mirror = os.environ.get(MIRROR_ENV)
    return f"{mirror.rstrip('/')}/{quote(filename)}" if mirror else url


def offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "") not in ("", "0")


def fetch(url: str, filename: str, sha256: str | None = None, subdir: str = "") -> Path:
    """The path of ``filename`` in the cache, downloading it from ``url`` if it is missing."""
    import pooch
    import requests

    folder = data_home() / subdir
    target = folder / filename
    if target.is_file():
        if sha256 and (got := file_sha256(target)) != sha256:
            raise DownloadFailed(f"the cached file {target} has sha256 {got} but {sha256} was expected",
                                 "delete it to download it again")
        return target
    source = source_url(url, filename)
    local = source.startswith("file:")
    put_it = f"put the file at {target}"
    if offline() and not local:
        raise DownloadFailed(f"{OFFLINE_ENV} is set and {filename} is not cached",
                             f"unset it to download {source}, or {put_it}")
    progress = None if local else _Progress(filename)
    downloader = _copy_file if local else pooch.HTTPDownloader(
        progressbar=progress, timeout=TIMEOUT, chunk_size=CHUNK)
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)  # pooch's INFO lines (the URL, "use this hash") are noise here
    try:
        pooch.retrieve(source, known_hash=f"sha256:{sha256}" if sha256 else None, fname=filename, path=folder,
                       downloader=downloader)
    except requests.HTTPError as exc:
        answer = f"{exc.response.status_code} {exc.response.reason}" if exc.response is not None else exc
        raise DownloadFailed(f"cannot download {filename} from {source}: the server answered {answer}",
                             f"check the URL or ${MIRROR_ENV}, or {put_it}") from None
    except requests.exceptions.ChunkedEncodingError as exc:
        cut = re.search(r"(\d+) bytes read, (\d+) more expected", str(exc))
        size = f" after {cut[1]} of {int(cut[1]) + int(cut[2])} bytes" if cut else ""
        raise DownloadFailed(f"the download of {filename} from {source} was interrupted{size}",
                             f"run again to retry, or {put_it}") from None
    except requests.RequestException as exc:  # refused, timeout, reset, DNS
        raise DownloadFailed(f"cannot download {filename} from {source} (offline?): {_reason(exc)}",
                             f"connect to the internet or {put_it}") from None
    except ValueError as exc:  # pooch: the SHA-256 does not match (the file was deleted)
        got = re.search(r"but got ([0-9a-fA-F]+)", str(exc))
        raise DownloadFailed(
            f"{filename} from {source} has sha256 {got[1] if got else '(another)'} but {sha256} was expected",
            f"the file was discarded: run again, and if it persists {put_it}") from None
    except OSError as exc:  # writing into the cache
        raise DownloadFailed(f"cannot write {filename} into the data cache: {_one_line(exc.strerror or exc)}",
                             f"free some disk space or point ${DATA_ENV} to another folder") from None
    finally:
        logger.setLevel(level)
        if progress is not None:
            progress.close()
    return target


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _one_line(reason: object) -> str:
    return " ".join(str(reason).split()) or "unknown error"


def _reason(exc: Exception) -> str:
    """What went wrong in a requests error, without urllib3's nested reprs."""
    import requests

    if isinstance(exc, requests.Timeout):
        return f"no answer within {TIMEOUT:g} s (timed out)"
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\] ([^'\"\)]+)", text)
    return _one_line(errno[1] if errno else text)


def _copy_file(url: str, output_file: str, pooch) -> None:
    """A pooch downloader for ``file://`` URLs: copies into pooch's temporary file."""
    from urllib.request import url2pathname

    source = Path(url2pathname(urlsplit(url).path))
    if not source.is_file():
        raise DownloadFailed(f"cannot copy {source.name} from the mirror {url}: no such file",
                             f"put it there or fix ${MIRROR_ENV}")
    shutil.copyfile(source, output_file)


class _Progress:
    """pooch's progress bar protocol on a rich bar, shown for big files on an interactive stderr."""

    def __init__(self, label: str):
        self.label, self.bar, self._total = label, None, 0

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, total: int) -> None:  # pooch sets it from Content-Length (0 when unknown)
        self._total = total
        if self.bar is None and sys.stderr.isatty() and (not total or total >= PROGRESS_MIN_BYTES):
            from rich.console import Console
            from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

            self.bar = Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                                console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task(f"downloading {self.label}", total=total or None)
            self.bar.start()

    def update(self, n: int) -> None:
        if self.bar is not None:
            done = self.bar.tasks[0].completed + n
            self.bar.update(self.task, completed=min(done, self._total) if self._total else done)

    def reset(self) -> None:
        if self.bar is not None:
            self.bar.reset(self.task, total=self._total or None)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
