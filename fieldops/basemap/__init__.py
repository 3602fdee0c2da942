"""The city's street map for offline use: one PMTiles archive of vector tiles, built from the city's own GIS layers
or imported, served with HTTP Range support (issue #13, the server side)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature with the app (fieldops/features.py)."""
    from fieldops.basemap import cli, demo, views
    from fieldops.demo import register_demo_loader

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.basemap)
    register_demo_loader(app, "basemap", demo.seed_demo, order=900)
