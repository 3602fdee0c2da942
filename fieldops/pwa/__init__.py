"""The installable, offline app shell: asset build, service worker, web app manifest, offline page."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from fieldops.pwa.build import PWA_DIR, BuildResult, build_assets, ensure_built

__all__ = ["BuildResult", "build_assets", "ensure_built", "init_app"]


@click.command("build-assets")
@click.option("--src", type=click.Path(file_okay=False, path_type=Path), default=PWA_DIR, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Default: <src>/dist")
def build_assets_command(src: Path, out: Path | None) -> None:
    """Write content-hashed copies of pwa/ into pwa/dist/ (the server also does it when they are stale)."""
    result = build_assets(src, out)
    state = "built" if result.built else "already up to date"
    click.echo(f"{len(result.assets)} files {state}: {result.out} -> {result.directory.name}")


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py): the service worker, manifest and offline page, and
    `fieldops build-assets`."""
    from fieldops.pwa import views

    app.register_blueprint(views.bp)
    app.cli.add_command(build_assets_command)
