"""Lighthouse on the pages crews, outreach staff and supervisors open most, as a phone on a slow network sees them.

Starts `fieldops serve` on a temporary demo database, signs each role in through the real form, and runs
Lighthouse (npm `lighthouse@12.2.3`, installed on first use into bench/.node/, never shipped) against Debian's
Chromium with the mobile form factor and Lighthouse's default throttling (simulated slow 4G, 4× CPU slowdown),
the session cookie passed as a header. Prints the performance and accessibility score of each page, its
largest contentful paint and total blocking time, and the bytes it transferred.

    .venv/bin/python bench/lighthouse_bench.py                # median of three runs per page
    .venv/bin/python bench/lighthouse_bench.py --runs 1 --only "My work" --reports /tmp/lh   # one page, keep reports

Targets (issue #12): performance ≥ 90 and accessibility 100 on every page.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import requests
from demo_server import demo_server

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "bench" / ".node"
LIGHTHOUSE_VERSION = "12.2.3"
CHROMIUM = os.environ.get("FIELDOPS_CHROMIUM", "/usr/bin/chromium")


def _lighthouse() -> Path:
    binary = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
    version_file = NODE_DIR / "node_modules" / "lighthouse" / "package.json"
    if not binary.exists() or json.loads(version_file.read_text())["version"] != LIGHTHOUSE_VERSION:
        if not shutil.which("npm"):
            raise SystemExit("npm is needed to install Lighthouse from the npm registry")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        print(f"Installing lighthouse@{LIGHTHOUSE_VERSION} into {NODE_DIR} …", flush=True)
        subprocess.run(["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", "--save-exact",
                        f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True, stdout=subprocess.DEVNULL)
    return binary


def _sign_in(base: str, username: str) -> str:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    r = http.post(f"{base}/login", data={"username": username, "password": "fieldops-demo", "csrf_token": token.group(1)},
                  allow_redirects=False, timeout=30)
    assert r.status_code == 302, f"{username} could not sign in: {r.status_code}"
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def _first_job(base: str, cookie: str) -> str:
    data = requests.get(f"{base}/api/my-work.json", headers={"Cookie": cookie}, timeout=30).json()
    return f"/work-orders/{data['work_orders'][0]['id']}"


def _run(binary: Path, url: str, cookie: str | None, out: Path) -> dict[str, float]:
    cmd = [
        str(binary), url, "--quiet", "--output=json", f"--output-path={out}",
        "--only-categories=performance,accessibility", "--form-factor=mobile",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
    ]
    if cookie:
        cmd.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "kb": audits["total-byte-weight"]["numericValue"] / 1024,
        "failing_a11y": [a for a, v in audits.items() if v.get("score") == 0 and a in
                         {r["id"] for r in report["categories"]["accessibility"]["auditRefs"]}],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (the median is printed)")
    parser.add_argument("--reports", type=Path, help="keep each run's Lighthouse JSON report in this folder")
    parser.add_argument("--only", action="append", help="run only the page with this name (repeatable)")
    args = parser.parse_args()
    binary = _lighthouse()
    with demo_server(prefix="fieldops-lighthouse-") as demo, tempfile.TemporaryDirectory() as tmp:
        base = demo.base
        crew, supervisor = _sign_in(base, "crew-north"), _sign_in(base, "supervisor")
        pages = [
            ("Sign-in", "/login", None),
            ("My work", "/my-work", crew),
            ("A job", _first_job(base, crew), crew),
            ("New request", "/requests/new", _sign_in(base, "outreach")),
            ("Triage", "/triage", supervisor),
            ("Performance", "/performance", supervisor),
        ]
        unknown = set(args.only or ()) - {name for name, _url, _cookie in pages}
        if unknown:
            raise SystemExit(f"no such page: {', '.join(sorted(unknown))} (pages: {', '.join(name for name, _u, _c in pages)})")
        print(f"\nLighthouse {LIGHTHOUSE_VERSION}, mobile, simulated slow 4G, Chromium at {CHROMIUM}; median of {args.runs}\n")
        print(f"{'page':<14}{'performance':>12}{'accessibility':>15}{'LCP ms':>9}{'TBT ms':>8}{'KB':>8}")
        worst = {"performance": 100, "accessibility": 100}
        reports = args.reports or Path(tmp) / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        for n, (name, path, cookie) in enumerate(pages):
            if args.only and name not in args.only:
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower())
            runs = [_run(binary, base + path, cookie, reports / f"{n}-{slug}-{i}.json") for i in range(args.runs)]
            figure = {k: statistics.median(r[k] for r in runs) for k in ("performance", "accessibility", "lcp_ms", "tbt_ms", "kb")}
            print(f"{name:<14}{figure['performance']:>12.0f}{figure['accessibility']:>15.0f}{figure['lcp_ms']:>9.0f}"
                  f"{figure['tbt_ms']:>8.0f}{figure['kb']:>8.0f}", flush=True)
            for failing in sorted({a for r in runs for a in r["failing_a11y"]}):
                print(f"{'':<14}accessibility audit failing: {failing}")
            for k in worst:
                worst[k] = min(worst[k], figure[k])
        ok = worst["performance"] >= 90 and worst["accessibility"] == 100
        print(f"\nlowest: performance {worst['performance']:.0f} (target ≥ 90), accessibility {worst['accessibility']:.0f} "
              f"(target 100): {'targets met' if ok else 'TARGETS MISSED'}")


if __name__ == "__main__":
    main()
