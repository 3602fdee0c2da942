"""The installable, offline app shell: asset build, service worker, web app manifest, offline page."""

from __future__ import annotations

from pathlib import Path

from typing import Any

import click
from flask import Flask, current_app

from fieldops.pwa.build import PWA_DIR, BuildResult, build_assets, client_config, ensure_built, import_map, source_files

__all__ = ["BuildResult", "build_assets", "ensure_built", "init_app"]


@click.command("build-assets")
@click.option("--src", type=click.Path(file_okay=False, path_type=Path), default=PWA_DIR, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Default: <src>/dist")
def build_assets_command(src: Path, out: Path | None) -> None:
    """Write content-hashed copies of pwa/ into pwa/dist/ (the server also does it when they are stale)."""
    result = build_assets(src, out)
    state = "built" if result.built else "already up to date"
    click.echo(f"{len(result.assets)} files {state}: {result.out} -> {result.directory.name}")


_IMPORT_MAP_KEY = "fieldops.pwa.import_map"


def page_import_map() -> dict[str, Any]:
    """base.html's <script type="importmap">: module names -> this app's (hashed) asset URLs; made once per app."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    cached: dict[str, Any] | None = app.extensions.get(_IMPORT_MAP_KEY)
    if cached is None:
        assets = app.extensions["fieldops.assets"]
        logical = assets.build.assets.keys() if assets.build is not None else [p for p, _ in source_files(assets.root, assets.dist)]
        cached = import_map(logical, assets.url)
        app.extensions[_IMPORT_MAP_KEY] = cached
    return cached


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py): the service worker, manifest and offline page,
    `fieldops build-assets`, and the templates' import map and page config (cache names shared with the worker)."""
    from fieldops.pwa import views

    app.register_blueprint(views.bp)
    app.cli.add_command(build_assets_command)
    app.jinja_env.globals["import_map"] = page_import_map
    app.jinja_env.globals["pwa_config"] = client_config
