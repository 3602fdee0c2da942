"""Behaviour of the file store (fieldops.storage): containment of every key, atomic writes."""

from __future__ import annotations

import os
import pathlib

import pytest

from fieldops import storage as storage_module
from fieldops.storage import FileStorage, StorageError


@pytest.fixture()
def outside(tmp_path: pathlib.Path) -> pathlib.Path:
    """A directory next to the store holding a file no key may reach."""
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "secret.txt").write_bytes(b"not yours")
    return directory


@pytest.fixture()
def store(tmp_path: pathlib.Path) -> FileStorage:
    """A fresh store under the test's temporary directory."""
    return FileStorage(tmp_path / "store")


def all_files(root: pathlib.Path) -> list[str]:
    """Every regular file under `root`, as sorted relative paths (temp files included)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_root_is_created(tmp_path: pathlib.Path) -> None:
    root = tmp_path / "a" / "b" / "store"
    FileStorage(root)
    assert root.is_dir()


def test_save_read_round_trip_creates_parent_directories(store: FileStorage) -> None:
    key = "photos/3f/3f2a9c-full.jpg"
    payload = bytes(range(256)) * 10
    store.save(key, payload)
    assert store.read(key) == payload
    assert store.exists(key)
    assert store.size(key) == len(payload)
    assert store.path(key) == store.root / "photos" / "3f" / "3f2a9c-full.jpg"
    assert store.path(key).read_bytes() == payload


def test_save_overwrites(store: FileStorage) -> None:
    store.save("a.bin", b"old contents that are longer")
    store.save("a.bin", b"new")
    assert store.read("a.bin") == b"new"


def test_save_empty_file(store: FileStorage) -> None:
    store.save("empty", b"")
    assert store.read("empty") == b"" and store.size("empty") == 0


def test_atomic_save_leaves_no_temp_files(store: FileStorage) -> None:
    for i in range(5):
        store.save("photos/ab/abcd.jpg", b"x" * i)
    store.save("photos/ab/other.jpg", b"y")
    assert all_files(store.root) == ["photos/ab/abcd.jpg", "photos/ab/other.jpg"]


def test_failed_save_keeps_old_file_and_removes_temp(store: FileStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    store.save("photos/a.jpg", b"original")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.save("photos/a.jpg", b"replacement")
    monkeypatch.undo()

    assert store.read("photos/a.jpg") == b"original"
    assert all_files(store.root) == ["photos/a.jpg"]


def test_missing_file(store: FileStorage) -> None:
    assert not store.exists("photos/none.jpg")
    with pytest.raises(StorageError):
        store.read("photos/none.jpg")
    with pytest.raises(StorageError):
        store.size("photos/none.jpg")
    store.delete("photos/none.jpg")  # no error


def test_delete_removes_file(store: FileStorage) -> None:
    store.save("photos/x.jpg", b"1")
    store.delete("photos/x.jpg")
    assert not store.exists("photos/x.jpg")
    store.delete("photos/x.jpg")


def test_directory_is_not_a_stored_file(store: FileStorage) -> None:
    store.save("photos/ab/x.jpg", b"1")
    assert not store.exists("photos/ab")
    for operation in (store.read, store.size, store.delete):
        with pytest.raises(StorageError):
            operation("photos/ab")


BAD_KEYS = [
    "",
    "../x",
    "..",
    "/etc/passwd",
    "a/../../x",
    "a/../b",  # stays inside, but keys must be canonical
    "a\\b",
    "..\\..\\x",
    "a\x00b",
    "a\nb",
    "./a",
    "a//b",
    "a/",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_unsafe_keys_are_refused_by_every_operation(store: FileStorage, key: str) -> None:
    with pytest.raises(StorageError):
        store.path(key)
    with pytest.raises(StorageError):
        store.save(key, b"payload")
    with pytest.raises(StorageError):
        store.read(key)
    with pytest.raises(StorageError):
        store.exists(key)
    with pytest.raises(StorageError):
        store.size(key)
    with pytest.raises(StorageError):
        store.delete(key)


def test_traversal_save_writes_nothing_outside(store: FileStorage, outside: pathlib.Path) -> None:
    with pytest.raises(StorageError):
        store.save("../outside/secret.txt", b"overwritten")
    assert (outside / "secret.txt").read_bytes() == b"not yours"
    assert sorted(os.listdir(outside)) == ["secret.txt"]


def test_symlinked_file_pointing_outside_is_refused(store: FileStorage, outside: pathlib.Path) -> None:
    (store.root / "link.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(StorageError):
        store.read("link.txt")
    with pytest.raises(StorageError):
        store.save("link.txt", b"overwritten")
    with pytest.raises(StorageError):
        store.delete("link.txt")
    assert (outside / "secret.txt").read_bytes() == b"not yours"


def test_symlinked_directory_pointing_outside_is_refused(store: FileStorage, outside: pathlib.Path) -> None:
    (store.root / "photos").symlink_to(outside, target_is_directory=True)
    with pytest.raises(StorageError):
        store.read("photos/secret.txt")
    with pytest.raises(StorageError):
        store.save("photos/new.jpg", b"data")
    assert sorted(os.listdir(outside)) == ["secret.txt"]


def test_symlink_loop_is_refused(store: FileStorage) -> None:
    (store.root / "loop").symlink_to(store.root / "loop")
    with pytest.raises(StorageError):
        store.read("loop/x")


def test_symlink_that_stays_inside_is_allowed(store: FileStorage) -> None:
    store.save("real/a.txt", b"inside")
    (store.root / "alias").symlink_to(store.root / "real", target_is_directory=True)
    assert store.read("alias/a.txt") == b"inside"


def test_root_reached_through_a_symlink_still_works(tmp_path: pathlib.Path) -> None:
    real = tmp_path / "real-store"
    real.mkdir()
    (tmp_path / "store-link").symlink_to(real, target_is_directory=True)
    linked = FileStorage(tmp_path / "store-link")
    linked.save("photos/a.jpg", b"1")
    assert (real / "photos" / "a.jpg").read_bytes() == b"1"
