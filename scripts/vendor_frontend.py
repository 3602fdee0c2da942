#!/usr/bin/env python3
"""Vendor pinned front-end libraries from the npm registry into pwa/vendor/ (and tests/vendor/).

PACKAGES below is the single source of truth for what is vendored: package,
exact version, SPDX licence, the npm tarball integrity (sha512 SRI string) and
the files copied out of the tarball (tarball path -> path under pwa/vendor/).
A pin with "into": "tests" goes to tests/vendor/ instead: libraries only the
test suite loads (axe-core). Everything under pwa/ is built, served as /static
and precached by the service worker, so a test-only file never goes there.
Each folder gets its own manifest.json and README.md.

Usage:
    python3 scripts/vendor_frontend.py            # fetch with `npm pack`, verify, copy, write manifest
    python3 scripts/vendor_frontend.py --check    # offline: verify pwa/vendor against manifest.json

Updating a package: edit its "version", set its "integrity" to None, run
    python3 scripts/vendor_frontend.py --accept-new-integrity
review the diff of the vendored files, then paste the printed integrity into
PACKAGES so later runs are verified against it.

Stdlib only (Python 3.11+); needs the `npm` client for the fetch mode only.
Nothing here is ever loaded from a CDN at run time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

# --------------------------------------------------------------------------
# Pins. dest folders are relative to pwa/vendor/. A destination file may be
# shared by several packages only if the bytes are identical (workbox LICENSE).
# --------------------------------------------------------------------------
WORKBOX_VERSION = "7.4.1"
WORKBOX_MODULES = {
    # npm package: sha512 integrity of its tarball
    "workbox-core": "sha512-DT+vu46eh/2vRsSHTY4Xmc32Z1rr9PRlQUXr1Dx30ZuXRWwOsvZgGgcwxcasubQLQmbTNYZjv44LkBAQ4tT5tQ==",
    "workbox-routing": "sha512-yubJGErZOusuidAenaL5ypfhQOa7urxP/f8E0ws7FPb4039RiWXUWBAyUkmUoOL/BcQGen3h0J8872d51IYxtA==",
    "workbox-strategies": "sha512-GZxpaw9NbmOelj7667uZ2kpk5BFpOGbO4X0qjwh5ls8XQ8C+Lha5LQchTiUzsTFSS+NlUpftYAyOVXvQUrcqOQ==",
    "workbox-precaching": "sha512-cdr/9qByww7yzEp7zg/qI4ukUrrNjQLgN+ONQRpjy/VqGQXwkgHwr00KksGJK8v0VifwDXBb8a4cWNZH71jn3Q==",
    "workbox-expiration": "sha512-lRKUF7b+OGbeXkQk1s6MHXOa3d7Xxf7Of31W6c6hCfipfIyrtdWZ89stq21AHZMaoG7VNFoHply4Ox+rU31TWg==",
    "workbox-cacheable-response": "sha512-8xaFoJdDc2OjrlbbL3gEeBO1WKcMwRqwLRupgqahYXu75yXajPLuwrbXMrIGZuWYXrQwk0xDjOxZ/ujCy/oJYw==",
    "workbox-background-sync": "sha512-HhT7KE8tOWDm02wRNshXUnUPofMlhenF2DBdUnDPOubhizzPeItkYTmAB6td1Z2cjYPa98vzEiPLEuzn5hN66g==",
    "workbox-navigation-preload": "sha512-C4KVsjPcYKJOhr631AxR9XoG2rLF3QiTk5aMv36MXOjtWvm8axwNFAtKUPGsWUwLXXAMgYM1En7fsvndaXeXRQ==",
    "workbox-range-requests": "sha512-7i2oxAUE82gHdAJBCAQ04JzNOdRPqzuOzGfoUyJpFSmeqBNYGPrAH8GPoPjUQTfp+NycwrD2H68VtuF8qxv0vQ==",
}

PACKAGES: list[dict] = [
    {
        "name": "leaflet",
        "version": "1.9.4",
        "license": "BSD-2-Clause",
        "integrity": "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        "files": {
            "dist/leaflet.js": "leaflet/leaflet.js",
            "dist/leaflet.css": "leaflet/leaflet.css",
            # leaflet.css references images/... relatively: keep them beside it.
            "dist/images/layers.png": "leaflet/images/layers.png",
            "dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
            "dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
            "LICENSE": "leaflet/LICENSE",
        },
    },
    {
        "name": "leaflet.markercluster",
        "version": "1.5.3",
        "license": "MIT",
        "integrity": "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        "files": {
            "dist/leaflet.markercluster.js": "leaflet.markercluster/leaflet.markercluster.js",
            "dist/MarkerCluster.css": "leaflet.markercluster/MarkerCluster.css",
            "dist/MarkerCluster.Default.css": "leaflet.markercluster/MarkerCluster.Default.css",
            "MIT-LICENCE.txt": "leaflet.markercluster/MIT-LICENCE.txt",
        },
    },
    {
        "name": "htmx.org",
        "version": "2.0.11",
        "license": "0BSD",
        "integrity": "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        "files": {
            "dist/htmx.min.js": "htmx/htmx.min.js",
            "LICENSE": "htmx/LICENSE",
        },
    },
    {
        "name": "workbox-sw",
        "version": WORKBOX_VERSION,
        "license": "MIT",
        "integrity": "sha512-fez5f2DUlDJWTFYkCWQpY10N8gtztd849NswCbVFk0QlcSM4HT5A8x4g4ii650yem4I8tHY0R7JZahwp3ltIPw==",
        "files": {
            "build/workbox-sw.js": "workbox/workbox-sw.js",
            "LICENSE": "workbox/LICENSE",
        },
    },
    *[
        {
            "name": mod,
            "version": WORKBOX_VERSION,
            "license": "MIT",
            "integrity": integrity,
            "files": {
                # workbox-sw importScripts() "<modulePathPrefix>/<mod>.prod.js",
                # so all modules live flat in one folder. Source maps skipped.
                f"build/{mod}.prod.js": f"workbox/{mod}.prod.js",
                # Same MIT text in every workbox package; identical bytes enforced.
                "LICENSE": "workbox/LICENSE",
            },
        }
        for mod, integrity in WORKBOX_MODULES.items()
    ],
    {
        # The page side of the service worker: registration, update and messages (pwa/js/sw-register.js).
        # An ES module, imported as "workbox-window" through the import map.
        "name": "workbox-window",
        "version": WORKBOX_VERSION,
        "license": "MIT",
        "integrity": "sha512-notZDH2u8VXaqyuD7xaqIfEFi6SRM4SUSd7ewe9PDsVqADuepxX2ZMY3uvuZGxzY5ZOsGC/vD3A/3smFtJt4/A==",
        "files": {
            "build/workbox-window.prod.mjs": "workbox/workbox-window.prod.mjs",
            "LICENSE": "workbox/LICENSE",
        },
    },
    {
        "name": "dexie",
        "version": "4.4.7",
        "license": "Apache-2.0",
        "integrity": "sha512-wemFiCl3DTCnfzyqepUTX1ugbYbkTrw3aEZOG7YjAOUoEQB5g5PrEywPzk5JpbX/SxqQ9IvjUpxCDIEjoOWEfA==",
        "files": {
            # The ES module build (default export Dexie, and liveQuery): pages import it as "dexie"
            # through the import map (fieldops/pwa/build.py import_map).
            "dist/modern/dexie.min.mjs": "dexie/dexie.min.mjs",
            "LICENSE": "dexie/LICENSE",
            "NOTICE": "dexie/NOTICE",  # Apache-2.0 s.4(d): NOTICE must travel with it
        },
    },
    {
        "name": "browser-image-compression",
        "version": "2.0.2",
        "license": "MIT",
        "integrity": "sha512-pBLlQyUf6yB8SmmngrcOw3EoS4RpQ1BcylI3T9Yqn7+4nrQTXJD4sJDe5ODnJdrvNMaio5OicFo75rDyJD2Ucw==",
        "files": {
            "dist/browser-image-compression.js": "browser-image-compression/browser-image-compression.js",
            "LICENSE": "browser-image-compression/LICENSE",
        },
    },
    {
        # QR codes of tracking numbers made on the tablet, offline. The package ships no LICENSE file:
        # the MIT notice (Copyright (c) 2009 Kazuhiko Arase) heads qrcode.js itself, and README.md says so too.
        "name": "qrcode-generator",
        "version": "2.0.4",
        "license": "MIT",
        "integrity": "sha512-mZSiP6RnbHl4xL2Ap5HfkjLnmxfKcPWpWe/c+5XxCuetEenqmNFf1FH/ftXPCtFG5/TDobjsjz6sSNL0Sr8Z9g==",
        "files": {
            "dist/qrcode.js": "qrcode-generator/qrcode.js",  # classic script: window.qrcode
            "README.md": "qrcode-generator/README.md",
        },
    },
    {
        # The accessibility checker of tests/browser/test_accessibility.py. Test-only: in tests/vendor/, so it is
        # never built into pwa/dist, served under /static, named in the import map or precached for crews.
        "name": "axe-core",
        "version": "4.14.1",
        "license": "MPL-2.0",
        "integrity": "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        "into": "tests",
        "files": {
            "axe.min.js": "axe-core/axe.min.js",
            "LICENSE": "axe-core/LICENSE",
            "LICENSE-3RD-PARTY.txt": "axe-core/LICENSE-3RD-PARTY.txt",
        },
    },
]

REPO_ROOT = Path(__file__).resolve().parent.parent
# "into" of a pin -> its folder, relative to the repository root.
VENDOR_DIRS = {"pwa": Path("pwa") / "vendor", "tests": Path("tests") / "vendor"}
MANIFEST_NAME = "manifest.json"
README_NAME = "README.md"


class VendorError(Exception):
    pass


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def pins_into(into: str) -> list[dict]:
    """The pins vendored into one folder ("pwa" or "tests")."""
    return [p for p in PACKAGES if p.get("into", "pwa") == into]


def managed_dirs(packages: list[dict]) -> list[str]:
    """Top-level folders under a vendor folder that this script owns."""
    dirs = {PurePosixPath(dest).parts[0] for p in packages for dest in p["files"].values()}
    return sorted(dirs)


def validate_pins() -> None:
    seen = set()
    for p in PACKAGES:
        for key in ("name", "version", "license", "integrity", "files"):
            if key not in p:
                raise VendorError(f"pin {p.get('name')!r} lacks {key!r}")
        if p.get("into", "pwa") not in VENDOR_DIRS:
            raise VendorError(f"pin {p['name']!r}: unknown 'into' {p['into']!r}")
        if p["name"] in seen:
            raise VendorError(f"duplicate pin {p['name']}")
        seen.add(p["name"])
        for dest in p["files"].values():
            pp = PurePosixPath(dest)
            if pp.is_absolute() or ".." in pp.parts or len(pp.parts) < 2:
                raise VendorError(f"bad destination {dest!r} in {p['name']}")
            if pp.name in (MANIFEST_NAME, README_NAME) and len(pp.parts) == 1:
                raise VendorError(f"destination {dest!r} clashes with generated file")


def npm_pack(name: str, version: str, workdir: Path) -> tuple[Path, str]:
    """Run `npm pack name@version --json` in workdir; return (tarball, npm's integrity)."""
    cmd = ["npm", "pack", f"{name}@{version}", "--json", "--ignore-scripts"]
    try:
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise VendorError("`npm` not found on PATH") from exc
    if proc.returncode != 0:
        raise VendorError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.strip()}")
    out = proc.stdout
    start = out.find("[")
    if start < 0:
        raise VendorError(f"unexpected npm pack output for {name}@{version}:\n{out}")
    info = json.loads(out[start:])
    if len(info) != 1:
        raise VendorError(f"npm pack returned {len(info)} entries for {name}@{version}")
    entry = info[0]
    if entry.get("name") != name or entry.get("version") != version:
        raise VendorError(
            f"npm pack gave {entry.get('name')}@{entry.get('version')}, wanted {name}@{version}"
        )
    tarball = workdir / entry["filename"]
    if not tarball.is_file():
        raise VendorError(f"npm pack did not produce {tarball}")
    return tarball, entry["integrity"]


def read_tarball(tarball: Path, wanted: list[str]) -> tuple[dict[str, bytes], dict]:
    """Return ({tarball-relative path: bytes} for wanted files, package.json).

    Files are read straight from the archive (nothing is extracted to disk), so
    odd member names cannot escape the temp dir. npm tarballs have one top-level
    folder (normally "package/"), which is stripped.
    """
    members: dict[str, tarfile.TarInfo] = {}
    with tarfile.open(tarball, "r:gz") as tf:
        for m in tf.getmembers():
            parts = PurePosixPath(m.name).parts
            if len(parts) < 2:
                continue
            rel = str(PurePosixPath(*parts[1:]))
            if rel in members:
                raise VendorError(f"{tarball.name}: duplicate member {rel}")
            members[rel] = m
        out: dict[str, bytes] = {}
        for rel in wanted + ["package.json"]:
            m = members.get(rel)
            if m is None:
                raise VendorError(f"{tarball.name}: missing {rel}")
            if not m.isfile():
                raise VendorError(f"{tarball.name}: {rel} is not a regular file")
            fh = tf.extractfile(m)
            assert fh is not None
            out[rel] = fh.read()
    pkg_json = json.loads(out.pop("package.json"))
    return out, pkg_json


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp-vendor")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def dump_manifest(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode()


def render_readme(manifest: dict) -> bytes:
    rows = []
    for p in manifest["packages"]:
        files = ", ".join(f"`{f['path']}`" for f in p["files"])
        rows.append(f"| [{p['name']}](https://www.npmjs.com/package/{p['name']}) | {p['version']} | {p['license']} | {files} |")
    total = sum(f["size"] for f in manifest_files(manifest).values())
    text = """# Vendored front-end libraries

Generated by `scripts/vendor_frontend.py` -- do not edit the files in this
folder by hand. Every file comes unmodified from the npm registry tarball of the
pinned version; tarballs are verified against the pinned sha512 integrity, and
every file's sha256 is recorded in `manifest.json`. Nothing is loaded from a CDN
at run time. Total vendored size: @TOTAL@ bytes (@NFILES@ files).
Source maps are not vendored (the `//# sourceMappingURL=` comments only make
browser devtools ask for a missing `.map`; harmless).

| Package | Version | Licence (SPDX) | Files (under `pwa/vendor/`) |
|---|---|---|---|
@ROWS@

Each folder carries the package's own licence file (dexie also its Apache-2.0
`NOTICE`; qrcode-generator ships none: its MIT notice heads `qrcode.js`). All workbox packages ship the identical MIT `LICENSE`, kept once as
`workbox/LICENSE`.

## Run-time configuration required (avoid CDN fetches)

* **workbox-sw** defaults to importing modules from
  `https://storage.googleapis.com/workbox-cdn/releases/<version>/` and, on
  `localhost`, to the `.dev.js` builds (not vendored). Before touching any
  `workbox.*` namespace, in the service worker:

  ```js
  importScripts('/<vendor-url>/workbox/workbox-sw.js');
  workbox.setConfig({ modulePathPrefix: '/<vendor-url>/workbox', debug: false });
  ```

* **browser-image-compression** with `useWebWorker: true` (the default) makes a
  blob-URL worker that `importScripts(options.libURL)`, defaulting to
  `https://cdn.jsdelivr.net/npm/browser-image-compression@2.0.2/dist/browser-image-compression.js`.
  Always pass an absolute same-origin URL (a relative one does not resolve
  inside a blob worker):

  ```js
  imageCompression(file, { ...opts,
    libURL: new URL('/<vendor-url>/browser-image-compression/browser-image-compression.js', location.href).href });
  ```

  (or `useWebWorker: false`). The worker also needs CSP `worker-src blob:`.

## Updating

1. Edit the pin (version) in `PACKAGES` at the top of `scripts/vendor_frontend.py`
   and set its `integrity` to `None`.
2. `python3 scripts/vendor_frontend.py --accept-new-integrity` (needs `npm`
   and registry access), then paste the printed integrity into the pin.
3. `python3 scripts/vendor_frontend.py` (idempotent; verifies integrity, prunes
   stale files in the managed folders, rewrites `manifest.json` and this README).
4. `python3 scripts/vendor_frontend.py --check` (offline: verifies every file's
   sha256 against `manifest.json`, and the manifest against the pins).
5. Re-check the new files for absolute `http(s)://` URLs fetched at run time.
"""
    text = (text.replace("@TOTAL@", str(total))
            .replace("@NFILES@", str(len(manifest_files(manifest))))
            .replace("@ROWS@", "\n".join(rows)))
    return text.encode()


def render_tests_readme(manifest: dict) -> bytes:
    rows = []
    for p in manifest["packages"]:
        files = ", ".join(f"`{f['path']}`" for f in p["files"])
        rows.append(f"| [{p['name']}](https://www.npmjs.com/package/{p['name']}) | {p['version']} | {p['license']} | {files} |")
    text = """# Front-end libraries used only by the tests

Generated by `scripts/vendor_frontend.py` (pins with `"into": "tests"`) -- do not
edit the files in this folder by hand. Same rules as `pwa/vendor/`: unmodified
files from the npm tarball of the pinned version, verified against its sha512
integrity, every file's sha256 in `manifest.json`. These files are never under
`pwa/`, so they are not built, served under `/static`, put in the import map or
precached by the service worker: crews never download them.

| Package | Version | Licence (SPDX) | Files (under `tests/vendor/`) |
|---|---|---|---|
@ROWS@
"""
    return text.replace("@ROWS@", "\n".join(rows)).encode()


def readme_for(into: str, manifest: dict) -> bytes:
    return render_readme(manifest) if into == "pwa" else render_tests_readme(manifest)


def manifest_files(manifest: dict) -> dict[str, dict]:
    """path -> file entry, deduplicated (shared workbox/LICENSE)."""
    out: dict[str, dict] = {}
    for p in manifest["packages"]:
        for f in p["files"]:
            out[f["path"]] = f
    return out


def existing_files(vendor_dir: Path, packages: list[dict]) -> set[str]:
    found = set()
    for d in managed_dirs(packages):
        base = vendor_dir / d
        if base.is_dir():
            for f in base.rglob("*"):
                if f.is_file() or f.is_symlink():
                    found.add(f.relative_to(vendor_dir).as_posix())
    return found


# --------------------------------------------------------------------------
# modes
# --------------------------------------------------------------------------
def vendor(root: Path, accept_new_integrity: bool) -> int:
    validate_pins()
    manifests: dict[str, dict] = {
        into: {"generated_by": "scripts/vendor_frontend.py", "registry": "npm", "packages": []} for into in VENDOR_DIRS
    }
    staged: dict[str, dict[str, bytes]] = {into: {} for into in VENDOR_DIRS}  # into -> dest path -> bytes
    new_integrity: dict[str, str] = {}

    with tempfile.TemporaryDirectory(prefix="vendor-frontend-") as tmp:
        tmpdir = Path(tmp)
        for p in PACKAGES:
            name, version = p["name"], p["version"]
            into = p.get("into", "pwa")
            print(f"npm pack {name}@{version}", flush=True)
            workdir = tmpdir / f"{name}@{version}"
            workdir.mkdir()
            tarball, npm_integrity = npm_pack(name, version, workdir)
            actual = sri_sha512(tarball.read_bytes())
            if actual != npm_integrity:
                raise VendorError(f"{name}@{version}: tarball sha512 {actual} != npm's {npm_integrity}")
            if p["integrity"] is None:
                if not accept_new_integrity:
                    raise VendorError(
                        f"{name}@{version}: no pinned integrity; rerun with --accept-new-integrity "
                        f"after reviewing (got {actual})"
                    )
                new_integrity[f"{name}@{version}"] = actual
            elif actual != p["integrity"]:
                raise VendorError(
                    f"{name}@{version}: INTEGRITY MISMATCH\n  pinned: {p['integrity']}\n  got:    {actual}"
                )

            contents, pkg_json = read_tarball(tarball, list(p["files"]))
            if pkg_json.get("license") != p["license"]:
                raise VendorError(
                    f"{name}@{version}: package.json licence {pkg_json.get('license')!r} != pinned {p['license']!r}"
                )
            files = []
            for src, dest in p["files"].items():
                data = contents[src]
                if dest in staged[into] and staged[into][dest] != data:
                    raise VendorError(f"{dest}: different content from two packages ({name})")
                staged[into][dest] = data
                files.append({"path": dest, "source": src, "size": len(data), "sha256": sha256_hex(data)})
            manifests[into]["packages"].append(
                {
                    "name": name,
                    "version": version,
                    "license": p["license"],
                    "integrity": actual,
                    "tarball": tarball.name,
                    "files": files,
                }
            )

    changed = 0
    for into, rel_dir in VENDOR_DIRS.items():
        changed += _write_vendor_dir(root / rel_dir, into, staged[into], manifests[into])
    nfiles = sum(len(files) for files in staged.values())
    total = sum(len(b) for files in staged.values() for b in files.values())
    print(f"{len(PACKAGES)} packages, {nfiles} files, {total} bytes; {changed} change(s)")
    if new_integrity:
        print("\nPaste these integrities into PACKAGES:")
        for k, v in new_integrity.items():
            print(f"  {k}: {v}")
    return 0


def _write_vendor_dir(vendor_dir: Path, into: str, staged: dict[str, bytes], manifest: dict) -> int:
    """Write one vendor folder (only what changed), prune stale files in its managed folders; the count of changes."""
    packages = pins_into(into)
    shown = f"{vendor_dir.parent.name}/{vendor_dir.name}"
    vendor_dir.mkdir(parents=True, exist_ok=True)
    changed = 0
    for dest, data in sorted(staged.items()):
        if write_if_changed(vendor_dir / dest, data):
            changed += 1
            print(f"  wrote {shown}/{dest}")
    for stale in sorted(existing_files(vendor_dir, packages) - set(staged)):
        (vendor_dir / stale).unlink()
        changed += 1
        print(f"  removed stale {shown}/{stale}")
    for d in managed_dirs(packages):  # drop now-empty subfolders
        for sub in sorted((vendor_dir / d).rglob("*"), reverse=True):
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
    if write_if_changed(vendor_dir / MANIFEST_NAME, dump_manifest(manifest)):
        changed += 1
        print(f"  wrote {shown}/{MANIFEST_NAME}")
    if write_if_changed(vendor_dir / README_NAME, readme_for(into, manifest)):
        changed += 1
        print(f"  wrote {shown}/{README_NAME}")
    return changed


def check(root: Path) -> int:
    validate_pins()
    errors: list[str] = []
    summary: list[str] = []
    for into, rel_dir in VENDOR_DIRS.items():
        summary.append(_check_vendor_dir(root / rel_dir, into, errors))
    if errors:
        for e in errors:
            print(f"FAIL: {e}", file=sys.stderr)
        return 1
    print("OK: " + "; ".join(summary))
    return 0


def _check_vendor_dir(vendor_dir: Path, into: str, errors: list[str]) -> str:
    """Verify one vendor folder against its manifest and the pins; append what is wrong to errors."""
    packages = pins_into(into)
    mpath = vendor_dir / MANIFEST_NAME
    if not mpath.is_file():
        errors.append(f"{mpath} missing")
        return ""
    manifest = json.loads(mpath.read_text())

    pins = {p["name"]: p for p in packages}
    listed = {p["name"]: p for p in manifest.get("packages", [])}
    for name in sorted(set(pins) | set(listed)):
        pin, entry = pins.get(name), listed.get(name)
        if pin is None or entry is None:
            errors.append(f"{name}: in {'manifest' if pin is None else 'pins'} only ({vendor_dir})")
            continue
        for key in ("version", "license", "integrity"):
            if pin[key] != entry.get(key):
                errors.append(f"{name}: {key} pinned {pin[key]!r}, manifest {entry.get(key)!r}")
        pin_files = set(pin["files"].items())
        man_files = {(f["source"], f["path"]) for f in entry.get("files", [])}
        if pin_files != man_files:
            errors.append(f"{name}: file list in manifest differs from pins")

    expected = manifest_files(manifest)
    for rel, f in sorted(expected.items()):
        path = vendor_dir / rel
        if not path.is_file():
            errors.append(f"missing {vendor_dir.parent.name}/vendor/{rel}")
            continue
        data = path.read_bytes()
        if sha256_hex(data) != f["sha256"] or len(data) != f["size"]:
            errors.append(f"sha256 mismatch {vendor_dir.parent.name}/vendor/{rel}")
    for extra in sorted(existing_files(vendor_dir, packages) - set(expected)):
        errors.append(f"unexpected file {vendor_dir.parent.name}/vendor/{extra}")
    readme = vendor_dir / README_NAME
    if not readme.is_file() or readme.read_bytes() != readme_for(into, manifest):
        errors.append(f"{vendor_dir.parent.name}/vendor/{README_NAME} out of date (rerun the script)")
    total = sum(f["size"] for f in expected.values())
    return f"{vendor_dir.parent.name}/vendor: {len(manifest['packages'])} packages, {len(expected)} files, {total} bytes match {MANIFEST_NAME}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="offline: verify vendored files against manifest.json")
    ap.add_argument("--accept-new-integrity", action="store_true",
                    help="allow pins whose integrity is None and print the fetched integrity")
    # The folder pwa/vendor and tests/vendor are under (the repository; another one to try the script out).
    ap.add_argument("--root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    try:
        if args.check:
            return check(args.root)
        return vendor(args.root, args.accept_new_integrity)
    except VendorError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
