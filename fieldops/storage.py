"""Files behind a small storage interface that keeps every path inside the store."""

from __future__ import annotations

import contextlib
import os
import pathlib
import stat
import tempfile


class StorageError(Exception):
    """A key was unsafe or malformed, or named a file that does not exist."""


class FileStorage:
    """Stores opaque byte blobs under a root directory, addressed by posix-style relative keys."""

    def __init__(self, root: pathlib.Path) -> None:
        """Use `root` as the store, creating it if missing."""
        root = pathlib.Path(root)
        root.mkdir(parents=True, exist_ok=True)
        # Resolve once so containment checks compare real paths, even if root itself is a symlink.
        self._root = root.resolve(strict=True)

    @property
    def root(self) -> pathlib.Path:
        """The resolved root directory of the store."""
        return self._root

    def path(self, key: str) -> pathlib.Path:
        """Return the real filesystem path for `key`, or raise StorageError if it could leave the store."""
        _check_key(key)
        try:
            # resolve() follows symlinks, so a link inside the store pointing outside is caught below.
            resolved = (self._root / key).resolve(strict=False)
        except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop on Python 3.11
            raise StorageError(f"cannot resolve storage key {key!r}: {exc}") from exc
        if resolved == self._root or not resolved.is_relative_to(self._root):
            raise StorageError(f"storage key {key!r} points outside the store")
        return resolved

    def save(self, key: str, data: bytes) -> None:
        """Write `data` to `key` atomically, so readers see the old file or the new one, never half of it."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # The temp file must live in the target's directory: os.replace is only atomic within one filesystem.
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        _fsync_dir(target.parent)

    def read(self, key: str) -> bytes:
        """Return the bytes stored under `key`; StorageError if there is no such file."""
        target = self.path(key)
        try:
            return target.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise StorageError(f"no stored file for key {key!r}") from exc

    def exists(self, key: str) -> bool:
        """Tell whether a regular file is stored under `key` (an unsafe key still raises StorageError)."""
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the file under `key`; deleting something already gone is not an error."""
        target = self.path(key)
        try:
            target.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        except IsADirectoryError as exc:
            raise StorageError(f"storage key {key!r} names a directory, not a file") from exc

    def size(self, key: str) -> int:
        """Return the size in bytes of the file under `key`; StorageError if there is no such file."""
        target = self.path(key)
        try:
            st = target.stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise StorageError(f"no stored file for key {key!r}") from exc
        if not stat.S_ISREG(st.st_mode):
            raise StorageError(f"no stored file for key {key!r}")
        return st.st_size


def _check_key(key: str) -> None:
    # Keys are chosen by the app, so anything unusual is a bug or an attack: refuse instead of normalising,
    # which also guarantees one file has exactly one key (no "a/./b" aliasing "a/b").
    if not isinstance(key, str) or not key:
        raise StorageError("storage key must be a non-empty string")
    if "\\" in key:
        raise StorageError(f"storage key {key!r} contains a backslash")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in key):
        raise StorageError(f"storage key {key!r} contains a control character")
    if key.startswith("/"):
        raise StorageError(f"storage key {key!r} is absolute")
    for part in key.split("/"):
        if part in ("", ".", ".."):
            raise StorageError(f"storage key {key!r} has an empty, '.' or '..' segment")


def _fsync_dir(directory: pathlib.Path) -> None:
    # Without this the rename itself may be lost on power failure; some platforms cannot open directories.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
