"""Run a function in a forked child process with a hard time limit.

Owns process isolation for fits and cells: a call that overruns is killed (:class:`Timeout`),
a child that dies (segfault, out of memory, ``os._exit``) becomes :class:`Crashed`, and an
exception inside the child comes back as :class:`ChildError` with its one-line message and
traceback. The child also reports its peak resident memory.

Why fork: the child inherits the data and imported modules without pickling or re-importing
(TensorFlow alone takes seconds to import). The rule that keeps this safe is that a process
which forks never runs TensorFlow operations itself; it may have imported TensorFlow.
Where fork is unavailable (Windows, or inside a daemonic process), :func:`call` runs the
function in-process and time limits become best effort.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import signal
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable


class IsolationError(Exception):
    """The isolated call did not return normally."""


class Timeout(IsolationError):
    pass


class Crashed(IsolationError):
    pass


class ChildError(IsolationError):
    def __init__(self, message: str, kind: str, trace: str):
        super().__init__(message)
        self.kind = kind
        self.trace = trace


@dataclass
class Outcome:
    value: Any
    seconds: float
    #: Peak resident memory the call added on top of what the process held when it started.
    peak_memory_mb: float | None


def can_fork() -> bool:
    return (
        hasattr(os, "fork")
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def peak_memory_mb() -> float:
    """This process's peak resident set size, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def current_memory_mb() -> float | None:
    """This process's resident set size now, in MiB (Linux; ``None`` elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return " ".join(text.split())[:500]


def _fresh_std_streams() -> None:
    # A thread of the parent (a progress bar) may hold the old streams' locks at fork time.
    for name, fd in (("stdout", 1), ("stderr", 2)):
        try:
            setattr(sys, name, open(os.dup(fd), "w", buffering=1, encoding="utf-8", errors="replace"))
        except OSError:
            pass


def _die_with_parent() -> None:
    """Linux: have the kernel kill this child when its parent dies (even by kill -9)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _to_log(log_path: str | None) -> None:
    """Send this process's stdout and stderr (C libraries' too) to the end of ``log_path``."""
    if not log_path:
        return
    try:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        return
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _child(conn, fn, args, kwargs, log_path=None) -> None:
    _die_with_parent()
    try:
        os.setpgid(0, 0)  # a group of its own: a timeout kills the child and everything it started
    except OSError:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler is the parent's
    _to_log(log_path)
    _fresh_std_streams()
    # Library warnings (convergence, deprecations) from hundreds of fits would bury the
    # progress display; failures still come back as errors.
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # The child starts with the parent's pages: report the peak *added* by the work itself.
    baseline = current_memory_mb()

    def added() -> float | None:
        return None if baseline is None else max(0.0, peak_memory_mb() - baseline)

    try:
        value = fn(*args, **kwargs)
        message = ("ok", value, added())
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        message = ("error", (one_line(exc), type(exc).__name__, traceback.format_exc()), added())
    try:
        conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
        conn.send_bytes(pickle.dumps(("error", (one_line(exc), type(exc).__name__, ""), added())))
    finally:
        conn.close()


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"the process was killed by {name}{hint}"
    return f"the process exited with code {code} without a result"


def tensorflow_started() -> bool:
    """Whether this process has run TensorFlow operations (a notebook that used it before calling dlbench).

    A child forked after that may hang in TensorFlow's thread pools: cells then start from a
    fresh server process instead (``forkserver``). Importing TensorFlow alone is fork-safe.
    """
    if "tensorflow" not in sys.modules:
        return False
    try:
        from tensorflow.python.eager import context

        started = context.context_safe()
        return bool(started is not None and getattr(started, "_initialized", True))
    except Exception:  # noqa: BLE001 - a TensorFlow without this internal: assume the worst
        return True


class Running:
    """A child process computing ``fn``; :meth:`result` collects it (or its failure).

    ``method``: ``fork`` (the child inherits the data and modules) or ``forkserver`` (the
    arguments are pickled to a child of a fresh server process).
    """

    def __init__(self, fn: Callable, args: tuple, kwargs: dict, timeout: float | None, log_path: str | None = None,
                 method: str = "fork"):
        ctx = multiprocessing.get_context(method)
        self.connection, sender = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child, args=(sender, fn, args, kwargs, log_path), daemon=False)
        self.started = time.perf_counter()
        self.deadline = None if timeout is None else self.started + timeout
        self.timeout = timeout
        self.process.start()
        sender.close()

    def expired(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def stop(self) -> None:
        """Kill the child's whole process group (its own children too), then reap it."""
        if self.process.pid is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                if self.process.is_alive():
                    self.process.kill()
        self.process.join()
        self.connection.close()

    def result(self) -> Outcome:
        """The child's value; call once the connection is readable or the deadline passed."""
        try:
            if not self.connection.poll(0 if self.expired() else None):
                raise Timeout(f"stopped after the time limit of {self.timeout:g} s")
            try:
                status, payload, memory = pickle.loads(self.connection.recv_bytes())
            except (EOFError, OSError):
                self.process.join(5)
                raise Crashed(_describe_exit(self.process.exitcode)) from None
        finally:
            self.stop()
        if status == "error":
            raise ChildError(*payload)
        return Outcome(payload, time.perf_counter() - self.started, memory)


def start(fn: Callable, *args, timeout: float | None = None, log_path: str | None = None, method: str = "fork",
          **kwargs) -> Running:
    """Start a child running ``fn(*args, **kwargs)``; wait on ``.connection``, then ``.result()``.

    With ``log_path`` the child's stdout and stderr (library logs and warnings) go to that file.
    """
    return Running(fn, args, kwargs, timeout, log_path, method)


def call(fn: Callable, *args, timeout: float | None = None, isolate: bool = True, **kwargs) -> Outcome:
    """``fn(*args, **kwargs)`` in a forked child, killed after ``timeout`` seconds."""
    if not (isolate and can_fork()):
        begin, baseline = time.perf_counter(), current_memory_mb()
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:
            raise ChildError(one_line(exc), type(exc).__name__, traceback.format_exc()) from exc
        # In process, the high-water mark is the process's lifetime peak: this underestimates
        # a call that stays below an earlier peak.
        added = None if baseline is None else max(0.0, peak_memory_mb() - baseline)
        return Outcome(value, time.perf_counter() - begin, added)
    running = start(fn, *args, timeout=timeout, **kwargs)
    try:
        running.connection.poll(timeout)
    except BaseException:
        running.stop()
        raise
    return running.result()
