"""The run folder's lock: one dlbench process writes a run folder at a time.

Owns the run folder's lock file and telling a live holder from a stale one. It does not open the store.
"""

from __future__ import annotations

from pathlib import Path

from dlbench.core.errors import UsageError


class RunLock:
    """The lock file (``RUN/.lock``) holding this process's id: a second run cannot write the same folder.

    A lock left by a process that no longer exists (killed with -9) is taken over.
    """

    def __init__(self, path: Path):
        import os

        self.path, run_dir = path, path.parent
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                holder = self._holder()
                if holder is not None and _alive(holder):
                    raise UsageError(f"{run_dir} is in use by another dlbench run (process {holder}); wait for it "
                                     "to finish or stop it") from None
                self.path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            self.held = True
            return
        raise UsageError(f"cannot lock {run_dir}: remove {self.path} if no dlbench run uses the folder")

    def _holder(self) -> int | None:
        try:
            return int(self.path.read_text().strip())
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        import os

        if getattr(self, "held", False) and self._holder() == os.getpid():
            self.path.unlink(missing_ok=True)
        self.held = False


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
