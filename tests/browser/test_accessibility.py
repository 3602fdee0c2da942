"""Every page of the app, checked by axe-core (WCAG 2.0/2.1 A and AA, and axe's best practices) for each role, on a
tablet in landscape (1024 × 768) and a phone (390 × 844), in English and Spanish.

No page may have a violation axe rates serious or critical; the pages crews and outreach staff work on (and the
residents' pages) may not have a moderate one either. axe-core is vendored for the tests only (tests/vendor/,
scripts/vendor_frontend.py): it is never served to crews.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from factories import CITY_HALL, DAVIS_SQUARE, UNION_SQUARE, make_event, make_job, make_request, offset
from helpers import sign_in
from imagefactory import make_jpeg

from fieldops.accounts.models import Role
from fieldops.accounts.services import create_user
from fieldops.db import utcnow
from fieldops.outreach.services import check_in
from fieldops.photos.models import PhotoKind
from fieldops.photos.services import add_work_order_photo
from fieldops.visits.services import add_visit
from fieldops.workorders.models import WorkOrderStatus
from fieldops.workorders.services import change_status

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
SIZES = {"tablet": (1024, 768), "phone": (390, 844)}
LANGUAGES = ("en", "es")
STRICT_ROLES = ("alice", "olga", "")  # crew, outreach, residents (signed out): moderate violations fail too
# The offline page is one text for everyone (precached once, fieldops/pwa/views.py render_offline_page), in English.
ENGLISH_ONLY = ("/offline",)

RUN_AXE = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({ target: n.target.join(" "), html: n.html.slice(0, 160), summary: n.failureSummary })),
  }));
}
"""


# axe passes a control inside a <label> that holds several controls, but a label names only the first labelable
# element it contains (HTML: "labeled control"): the others have no name at all.
SHARED_LABELS = """
() => [...document.querySelectorAll("label")].filter(label => {
  const controls = [...label.querySelectorAll("input:not([type=hidden]), select, textarea, button, meter, output, progress")];
  return controls.length > 1 && controls.slice(1).some(c => !c.labels || [...c.labels].every(l => l === label) && !c.getAttribute("aria-label") && !c.getAttribute("aria-labelledby"));
}).map(label => label.outerHTML.slice(0, 160))
"""


@pytest.fixture
def day(session, city, settings):  # type: ignore[no-untyped-def]
    jobs = [make_job(session, city, at=offset(UNION_SQUARE, north_m=80 * i), address=f"{10 + i} Bow Street") for i in range(3)]
    add_work_order_photo(session, settings, city.alice, jobs[0], raw=make_jpeg(lat=42.38, lon=-71.1), kind=PhotoKind.BEFORE)
    untriaged = make_request(session, city, at=DAVIS_SQUARE)
    event = make_event(session, city, at=CITY_HALL)
    visit = add_visit(session, city.sam, jobs[1].request, assignee=city.olga, due_at=utcnow() + dt.timedelta(hours=3))
    # A job on site shows what the others hide: the Complete form and the "Unable to complete?" disclosure.
    for to in (WorkOrderStatus.EN_ROUTE, WorkOrderStatus.ON_SITE):
        change_status(session, city.alice, jobs[2], to, expected_version=jobs[2].version)
    check_in(session, city.olga, event)  # New request shows the event banner
    admin = create_user(session, username="ada", full_name="Ada Admin", password="correct-horse-battery", role=Role.ADMIN)
    session.commit()
    users = {"alice": city.alice, "olga": city.olga, "sam": city.sam, "ada": admin}
    return {"jobs": jobs, "untriaged": untriaged, "event": event, "visit": visit, "user_ids": {k: u.id for k, u in users.items()}}


def _pages(day) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Every HTML page of the app, each under the role that works on it ("" = a resident, signed out).

    A page two roles share is checked once, as the crew or outreach worker sees it (held to the stricter rule),
    except the job page, which a supervisor sees with its own forms (reassign, cancel)."""
    job = day["jobs"][0]
    tracking = job.request.tracking_number
    req = f"/requests/{day['untriaged'].id}"
    return {
        "alice": ["/my-work", f"/work-orders/{job.id}", f"/work-orders/{day['jobs'][2].id}", f"/requests/{job.request_id}",
                  f"/requests/{tracking}/receipt",
                  "/conflicts", "/account"],
        "olga": ["/requests/new", "/events", f"/events/{day['event'].id}", "/visits", f"/visits/{day['visit'].id}"],
        "sam": ["/work-orders", f"/work-orders/{job.id}", req, f"{req}/merge", f"{req}/transfer", f"{req}/public-text",
                "/triage", "/performance", "/sla", "/exports"],
        "ada": ["/admin/api-keys"],
        "": ["/login", "/status", f"/status/{tracking}", "/offline"],
    }


READY_STAMP = """try { localStorage.setItem("fieldops.ready", JSON.stringify({ at: new Date(Date.now() - 60000).toISOString(), userId: %d, pages: 1, stored: 1 })); } catch (e) {}"""

# Pages are checked once their scripts have run: module scripts have run by "load"; field.js (signed-in pages)
# marks <html> when it has loaded its outbox modules, which write the sync indicator.
SETTLED = "() => !document.body.dataset.userId || document.documentElement.hasAttribute('data-field-loaded')"


def _violations(page, url: str, *, strict: bool, language: str, first: bool) -> list[str]:  # type: ignore[no-untyped-def]
    """What axe and the label check find on one page; the first page of a context also chooses the language
    (`?lang=`, like the language menu: it is kept in the session, and staff accounts have English saved)."""
    page.goto(url if not first else f"{url}?lang={language}", wait_until="load")
    page.wait_for_function(SETTLED)
    found = []
    lang = page.evaluate("() => document.documentElement.lang")
    if lang != (language if not url.endswith(ENGLISH_ONLY) else "en"):
        found.append(f"the page is in {lang!r}, not {language!r}")
    for v in page.evaluate(RUN_AXE):
        if v["impact"] in ("serious", "critical") or (strict and v["impact"] == "moderate"):
            for n in v["nodes"]:
                found.append(f"{v['impact']} {v['id']} ({v['help']}): {n['target']}\n      {n['html']}\n      {n['summary']}")
    found += [f"label names only its first control: {label}" for label in page.evaluate(SHARED_LABELS)]
    return found


def test_every_page_passes_axe_for_every_role_size_and_language(browser, live_server, day) -> None:  # type: ignore[no-untyped-def]
    problems: dict[str, list[str]] = {}
    signed_in: dict[str, object] = {}  # user -> storage state (cookies, localStorage): one sign-in per user
    for size, (width, height) in SIZES.items():
        for language in LANGUAGES:
            for user, urls in _pages(day).items():
                ctx = browser.new_context(viewport={"width": width, "height": height}, has_touch=True, is_mobile=width < 700,
                                          locale=language, service_workers="block", storage_state=signed_in.get(user))
                # axe must run in the page's main world. add_script_tag() inserts a <script> element, which the
                # pages' CSP (nonces only) refuses; an init script is evaluated by the browser itself, outside the
                # CSP, so the pages are checked with their real CSP (bypass_csp=True would switch it off).
                ctx.add_init_script(path=str(AXE))
                if user:
                    # "Ready for offline" would fetch every page of the user's day after the sign-in: not what is
                    # checked here, and a few seconds of work. Say it ran a minute ago.
                    ctx.add_init_script(READY_STAMP % day["user_ids"][user])
                page = ctx.new_page()
                if user and user not in signed_in:
                    sign_in(page, live_server, user)
                    signed_in[user] = ctx.storage_state()
                for i, url in enumerate(urls):
                    found = _violations(page, live_server + url, strict=user in STRICT_ROLES, language=language, first=i == 0)
                    if found:
                        problems[f"{size} {language} {user or 'resident'} {url}"] = found
                ctx.close()
    assert not problems, "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())


# GET routes that are not pages a person reads: data, files, images, the worker, and "/" (it redirects).
NOT_PAGES_PREFIXES = ("/api/", "/open311/", "/photos/")
NOT_PAGES_SUFFIXES = (".csv", ".geojson", ".json", ".js", ".webmanifest", ".pmtiles")


def test_the_sweep_knows_every_page(app, day) -> None:  # type: ignore[no-untyped-def]
    """A new page fails here until it is added to _pages (and so checked by axe)."""
    adapter = app.url_map.bind("localhost")
    checked = {adapter.match(url.partition("?")[0])[0] for urls in _pages(day).values() for url in urls}
    pages = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static" and rule.rule != "/"
        and not rule.rule.startswith(NOT_PAGES_PREFIXES) and not rule.rule.endswith(NOT_PAGES_SUFFIXES)
    }
    assert pages - checked == set()
