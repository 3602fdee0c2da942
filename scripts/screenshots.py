"""The README's screenshots (docs/screenshots/*.png), made again from the demo city with one command.

Loads the demo city into a temporary database, starts `fieldops serve`, signs each role in through the real form
in Debian's Chromium (Playwright), and saves each page at the size a crew's tablet or an outreach worker's phone
has. Map tiles are not fetched (this machine has no route to the tile server; the map shows its outlines and pins
on a blank ground). PNGs are quantised with Pillow to stay small (< 200 KB each).

    .venv/bin/python scripts/screenshots.py             # writes docs/screenshots/*.png
"""

from __future__ import annotations

import io
import os
import sqlite3
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from demo_server import demo_server  # noqa: E402  (bench/demo_server.py, shared with the Lighthouse bench)

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("FIELDOPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps"]
MAX_BYTES = 200 * 1024


def _save(png: bytes, name: str) -> None:
    """Quantise to a 256-colour palette (the pages are flat colours and text) and keep it under MAX_BYTES."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colours in (256, 128, 64):
        buf = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buf, "PNG", optimize=True)
        if buf.tell() < MAX_BYTES:
            break
    (OUT / name).write_bytes(buf.getvalue())
    print(f"{name}: {image.width}×{image.height}, {buf.tell() / 1024:.0f} KB")


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "fieldops-demo")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    page.wait_for_load_state("networkidle")


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)  # markercluster's chunks and the map's own fade-ins


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_server(threads=4, prefix="fieldops-screenshots-") as demo:
        base = demo.base
        with sqlite3.connect(demo.instance / "fieldops.db") as conn:
            row = conn.execute("SELECT tracking_number FROM service_request WHERE channel = 'outreach' ORDER BY id LIMIT 1").fetchone()
        tracking = row[0]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            def context(width: int, height: int, *, phone: bool = False):  # type: ignore[no-untyped-def]
                ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                          is_mobile=phone, has_touch=phone, service_workers="block", locale="en-US")
                ctx.route("https://*.tile.openstreetmap.org/**", lambda route: route.abort())
                ctx.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
                return ctx

            for width, height, name in ((1024, 768, "my-work-landscape.png"), (768, 1024, "my-work-portrait.png")):
                ctx = context(width, height)
                page = ctx.new_page()
                _sign_in(page, base, "crew-north")
                page.goto(f"{base}/my-work")
                _settle(page)
                _save(page.screenshot(), name)
                if name == "my-work-landscape.png":
                    page.click("a[href^='/work-orders/']")
                    _settle(page)
                    _save(page.screenshot(), "job.png")
                ctx.close()

            ctx = context(390, 844, phone=True)
            page = ctx.new_page()
            _sign_in(page, base, "outreach")
            page.goto(f"{base}/requests/new")
            _settle(page)
            _save(page.screenshot(), "intake-phone.png")
            page.goto(f"{base}/requests/{tracking}/receipt")
            _settle(page)
            _save(page.screenshot(), "receipt-phone.png")
            ctx.close()
            browser.close()


if __name__ == "__main__":
    main()
