"""One writer per output: the lock a batch job holds on ``OUTPUT.lock`` for its whole run."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from argmine.batch.writing import sibling, writing
from argmine.errors import OutputError


# --------------------------------------------------------------------------- one writer
def lock_method() -> str:
    """The best lock this platform has: one its OS drops when the holding process dies."""
    try:
        import fcntl  # noqa: F401
    except ImportError:
        try:
            import msvcrt  # noqa: F401
        except ImportError:
            return "pidfile"
        return "msvcrt"
    return "flock"


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs (assumed so where it cannot be told)."""
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, under another user
        return True
    return True


class OutputLock:
    """One writer per output: an exclusive lock on ``OUTPUT.lock`` for the whole run.

    Two jobs appending to one output would each skip only what was done when it started and
    write the rest, so documents end up twice, and each job cuts back or deletes the other's
    checkpoint. The lock is the OS's (``fcntl.flock``, or ``msvcrt.locking`` on Windows), so
    the OS drops it when its process dies, however it dies: a killed job never leaves it
    stuck, and the file left behind is taken over. Where neither exists the file is created
    exclusively and holds its owner's pid; a file whose pid no longer runs is taken over.

    Args:
        output: The output file to guard.
        method: ``"flock"``, ``"msvcrt"`` or ``"pidfile"`` (default: the platform's best).
    """

    def __init__(self, output: Path, method: str | None = None) -> None:
        self.output = output
        self.path = sibling(output, ".lock")
        self.method = method or lock_method()
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        """Take the lock, or raise :class:`OutputError` E401 at once if a job holds it."""
        with writing(self.path):
            if self.method == "pidfile":
                self._acquire_pidfile()
            else:
                self._acquire_os_lock()
            os.ftruncate(self._fd, 0)
            os.write(self._fd, f"{os.getpid()}\n".encode())  # named to the job locked out
        return self

    def _busy(self) -> OutputError:
        pid = self._holder()
        return OutputError("E401", output=self.output, lock=self.path,
                           holder="" if pid is None else f", pid {pid}")

    def _holder(self) -> int | None:
        try:
            return int(self.path.read_text("ascii").strip())
        except (OSError, ValueError):
            return None

    def _os_lock(self, fd: int, take: bool) -> None:
        if self.method == "flock":
            import fcntl

            fcntl.flock(fd, (fcntl.LOCK_EX | fcntl.LOCK_NB) if take else fcntl.LOCK_UN)
        else:
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks bytes from the current position
            msvcrt.locking(fd, msvcrt.LK_NBLCK if take else msvcrt.LK_UNLCK, 1)

    def _acquire_os_lock(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                self._os_lock(fd, take=True)
            except OSError as exc:
                os.close(fd)
                if self.method == "msvcrt" or exc.errno in (
                        errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise self._busy() from None
                raise
            # The job before may have removed the file between our open and our lock: we
            # would then hold a lock on a file that nobody else opens. Retry on the new one.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return
            self._os_lock(fd, take=False)
            os.close(fd)

    def _acquire_pidfile(self) -> None:
        for _ in range(2):
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                return
            except FileExistsError:
                pid = self._holder()
                try:  # a file without a pid: its job died before writing it, or is writing
                    fresh = time.time() - self.path.stat().st_mtime < 10
                except FileNotFoundError:
                    continue
                if pid == os.getpid() or (pid is None and fresh) or (
                        pid is not None and pid_alive(pid)):
                    raise self._busy() from None
                self.path.unlink(missing_ok=True)  # stale: its job is gone
        raise self._busy()

    def release(self) -> None:
        """Drop the lock and remove its file."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self.method == "flock":
                # Removed while still held: a job that opened the old file retries (above).
                self.path.unlink(missing_ok=True)
                os.close(fd)
            else:
                if self.method == "msvcrt":
                    self._os_lock(fd, take=False)
                os.close(fd)
                self.path.unlink(missing_ok=True)
        except OSError:  # e.g. Windows refuses to remove a file another job has open
            pass

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()
