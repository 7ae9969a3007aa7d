"""Atomic file writes: readers see the old file or the new one, never half of one.

The temp file is named `.NAME.course-PID-RANDOM.tmp` beside the target. A writer killed
mid-save (kill -9, a closed kernel) leaves it behind; the next save of the same file
removes such leftovers, and only those: the course's own naming for that target, a
regular file, and either its owner process is gone or it is older than `STALE_SECONDS`.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from .errors import FormatError

STALE_SECONDS = 10 * 60  # a save takes well under a second; older temp files are leftovers


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to a temp file beside `path`, fsync it, then rename it over `path`.

    path (str | PathLike): the destination; its folder must exist.
    data (bytes): the full new content.
    RETURNS (Path): the destination.
    RAISES FormatError: N210 if the folder is missing or not writable.
    """
    target = Path(path)
    clean_stale_temp_files(target)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.course-{os.getpid()}-", suffix=".tmp", dir=target.parent or "."
        )
    except OSError as err:
        raise FormatError("N210", path=str(target), reason=err.strerror or str(err)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(target))  # mkstemp creates 0600; keep the file readable as before
        os.replace(tmp, target)
    except BaseException as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise FormatError("N210", path=str(target), reason=err.strerror or str(err)) from None
        raise
    return target


def _mode_for(target: Path) -> int:
    """The existing file's permissions, or the usual ones for a new file (0666 minus umask)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Like `atomic_write_bytes`, for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _pid_alive(pid: int) -> bool:
    """RETURNS (bool): whether a process with this id exists (it may not be ours to signal)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def clean_stale_temp_files(target: str | os.PathLike, *, max_age: float = STALE_SECONDS) -> list[Path]:
    """Remove temp files that an interrupted save of `target` left beside it.

    Only names this module writes for `target` are considered: `.NAME.course-PID-XXXX.tmp`
    (removed once process PID is gone, or after `max_age` seconds) and the older
    `.NAME.XXXXXXXX.tmp` (removed after `max_age`). Nothing else is touched.
    target (str | PathLike): the file whose leftovers to remove.
    max_age (float): seconds after which a temp file is stale whoever wrote it.
    RETURNS (list[Path]): the files removed.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    name = re.escape(target.name)
    ours = re.compile(rf"\.{name}\.course-(\d+)-[A-Za-z0-9_]{{8}}\.tmp")
    legacy = re.compile(rf"\.{name}\.[A-Za-z0-9_]{{8}}\.tmp")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed  # the save itself reports an unusable folder
    now = time.time()
    for entry in entries:
        match = ours.fullmatch(entry.name)
        if match is None and not legacy.fullmatch(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > max_age
            pid = int(match.group(1)) if match else None
            orphan = pid is not None and pid != os.getpid() and not _pid_alive(pid)
            if old or orphan:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove: never fail a save over it
    return removed
