"""Atomic file writes: readers see the old file or the new one, never half of one."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import FormatError


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to a temp file beside `path`, fsync it, then rename it over `path`.

    path (str | PathLike): the destination; its folder must exist.
    data (bytes): the full new content.
    RETURNS (Path): the destination.
    RAISES FormatError: E210 if the folder is missing or not writable.
    """
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as err:
        raise FormatError("E210", path=str(target), reason=err.strerror or str(err)) from None
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
            raise FormatError("E210", path=str(target), reason=err.strerror or str(err)) from None
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
