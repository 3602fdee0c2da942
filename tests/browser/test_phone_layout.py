"""Layouts made for the job (issue #12): on a phone the top bar folds into a "Menu" button; My work is two tabs,
"List | Map", on an upright screen and list and map side by side on a tablet held sideways; the new-request form's
map comes before "Save request" on a phone."""

from __future__ import annotations

import pytest
from factories import CITY_HALL, UNION_SQUARE, make_event, make_job, offset
from helpers import sign_in

from fieldops.workorders.models import WorkOrderStatus

PHONE = {"width": 390, "height": 844}
MIN_TARGET = 44


@pytest.fixture
def jobs(session, city):  # type: ignore[no-untyped-def]
    made = [make_job(session, city, at=offset(UNION_SQUARE, north_m=80 * i), address=f"{10 + i} Bow Street") for i in range(4)]
    make_event(session, city, at=CITY_HALL)
    session.commit()
    return made


def _open(browser, live_server: str, user: str, url: str, viewport: dict[str, int], **options):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=viewport, has_touch=True, is_mobile=viewport["width"] < 700, locale="en-US", **options)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, user)
    page.goto(live_server + url)
    page.wait_for_load_state("networkidle")
    return ctx, page, errors


def _box(page, selector: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return page.evaluate("(s) => { const r = document.querySelector(s).getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height}; }", selector)


# Each top-bar entry as the person sees it: size, whether it is shown, inside the bar and on the screen.
NAV_ENTRIES = """
() => {
  const bar = document.querySelector("header.topbar").getBoundingClientRect();
  return [...document.querySelectorAll("header.topbar nav a")].map(a => {
    const r = a.getBoundingClientRect();
    const shown = a.checkVisibility() && r.width > 0 && r.height > 0;
    return { text: a.textContent.trim(), width: r.width, height: r.height, shown,
             inside: r.left >= bar.left - 0.5 && r.right <= bar.right + 0.5 && r.top >= bar.top - 0.5 && r.bottom <= bar.bottom + 0.5 && r.right <= innerWidth + 0.5 };
  });
}
"""

# Text drawn in white (the bar's colour scheme) that lies outside the dark bar, where it cannot be read.
WHITE_TEXT_OUTSIDE_BAR = """
() => {
  const bar = document.querySelector("header.topbar").getBoundingClientRect();
  const out = [];
  for (const el of document.querySelectorAll("header.topbar *")) {
    if (!el.checkVisibility() || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (getComputedStyle(el).color !== "rgb(255, 255, 255)") continue;
    const r = el.getBoundingClientRect();
    if (r.left < bar.left - 0.5 || r.right > bar.right + 0.5 || r.top < bar.top - 0.5 || r.bottom > bar.bottom + 0.5)
      out.push(el.textContent.trim().slice(0, 30));
  }
  return out;
}
"""


@pytest.mark.parametrize("width", (360, 390, 412))
def test_on_a_phone_the_top_bar_is_one_row_and_its_menu_opens_every_entry(browser, live_server, jobs, width) -> None:  # type: ignore[no-untyped-def]
    # The supervisor has the most entries (Work orders, Triage, Standards, Performance, Conflicts, New request, Events, My visits).
    ctx, page, errors = _open(browser, live_server, "sam", "/work-orders", {"width": width, "height": 844})
    assert _box(page, "header.topbar")["height"] < 80
    toggle = page.get_by_role("button", name="Menu", exact=True)
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "topbar-menu" and page.locator("#topbar-menu").count() == 1
    box = toggle.bounding_box()
    assert box and box["width"] >= MIN_TARGET - 0.5 and box["height"] >= MIN_TARGET - 0.5
    entries = page.evaluate(NAV_ENTRIES)
    assert len(entries) >= 8 and not any(e["shown"] for e in entries)

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    entries = page.evaluate(NAV_ENTRIES)
    assert [e for e in entries if not (e["shown"] and e["inside"])] == []
    assert [e for e in entries if e["width"] < MIN_TARGET - 0.5 or e["height"] < MIN_TARGET - 0.5] == []
    assert {"Work orders", "Conflicts (0)", "Events", "My visits", "New request"} <= {e["text"] for e in entries}
    # Sign-out and the language menu are in the open menu too, inside the dark bar.
    assert page.get_by_role("button", name="Sign out").is_visible() and page.get_by_label("Language").is_visible()
    assert page.evaluate(WHITE_TEXT_OUTSIDE_BAR) == []

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Events").focus()
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("() => document.activeElement.matches('[data-menu-toggle]')")
    assert not any(e["shown"] for e in page.evaluate(NAV_ENTRIES))

    toggle.click()
    page.get_by_role("link", name="My visits").click()
    page.wait_for_url("**/visits")
    assert errors == []
    ctx.close()


@pytest.mark.parametrize("user", ("alice", "sam"))
@pytest.mark.parametrize("size", ((768, 1024), (1024, 768), (1280, 800), (2400, 900)), ids=lambda s: f"{s[0]}x{s[1]}")
def test_on_a_tablet_the_top_bar_is_one_row_and_a_desktop_keeps_the_pages_in_it(browser, live_server, jobs, user, size) -> None:  # type: ignore[no-untyped-def]
    # The bar never wraps into rows that take a quarter of an upright tablet (a supervisor's eight pages did): what
    # does not fit goes into the Menu, the account first, then the pages (nav.topbar_fold picks the stylesheets).
    ctx, page, errors = _open(browser, live_server, user, "/work-orders" if user == "sam" else "/my-work", {"width": size[0], "height": size[1]})
    # One row on a tablet; wider, a supervisor's eight pages may take a second row rather than hide in the Menu.
    assert _box(page, "header.topbar")["height"] < (80 if size[0] <= 1024 or user == "alice" else 120)
    entries = page.evaluate(NAV_ENTRIES)
    in_bar = [e["shown"] and e["inside"] for e in entries]
    assert entries and (all(in_bar) or not any(in_bar))  # all pages in the bar, or all in the Menu
    toggle = page.get_by_role("button", name="Menu", exact=True)
    sign_out = page.get_by_role("button", name="Sign out")
    if size[0] > 1024:
        assert all(in_bar)  # a desktop's pages are always in the bar
    if size[0] >= 2400:
        assert all(in_bar) and not toggle.is_visible() and sign_out.is_visible()
    elif user == "alice":
        assert all(in_bar)  # a crew member's two pages stand in the bar on any tablet
    if toggle.is_visible():
        assert not sign_out.is_visible()
        toggle.click()
        assert sign_out.is_visible() and page.get_by_label("Language").is_visible()
        assert [e for e in page.evaluate(NAV_ENTRIES) if not (e["shown"] and e["inside"])] == []
        for control in (sign_out, page.get_by_label("Language"), toggle):
            box = control.bounding_box()
            assert box and box["height"] >= MIN_TARGET - 0.5
    assert page.evaluate(WHITE_TEXT_OUTSIDE_BAR) == []
    assert errors == []
    ctx.close()


def test_without_javascript_the_phone_shows_every_entry(browser, live_server, jobs) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-US")
    page = ctx.new_page()
    sign_in(page, live_server, "olga")
    page.goto(live_server + "/events")
    assert not page.locator("[data-menu-toggle]").is_visible()
    entries = page.evaluate("() => [...document.querySelectorAll('header.topbar nav a')].map(a => a.checkVisibility())")
    assert entries and all(entries)
    ctx.close()


def _views(page) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return page.evaluate(
        """() => {
          const seen = (el) => el.checkVisibility({ visibilityProperty: true }) && el.getBoundingClientRect().height > 0;
          const map = document.querySelector(".work-views .folium-map").getBoundingClientRect();
          return { tabs: seen(document.querySelector("[role=tablist]")), list: seen(document.querySelector(".wo-list")),
                   map: seen(document.querySelector(".work-views .map-pane")), mapWidth: map.width, mapHeight: map.height,
                   pins: [...document.querySelectorAll(".work-views .leaflet-marker-icon")].filter(seen).length };
        }"""
    )


@pytest.mark.parametrize("viewport", (PHONE, {"width": 768, "height": 1024}), ids=("phone", "tablet-portrait"))
def test_my_work_upright_is_list_and_map_tabs_list_first(browser, live_server, jobs, viewport) -> None:  # type: ignore[no-untyped-def]
    ctx, page, errors = _open(browser, live_server, "alice", "/my-work", viewport)
    tablist = page.get_by_role("tablist")
    assert tablist.is_visible()
    assert page.get_by_role("tab").all_inner_texts() == ["List", "Map"]
    list_tab, map_tab = page.get_by_role("tab", name="List"), page.get_by_role("tab", name="Map")
    assert list_tab.get_attribute("aria-selected") == "true" and map_tab.get_attribute("aria-selected") == "false"
    shown = _views(page)
    assert shown["list"] and not shown["map"] and shown["pins"] == 0
    assert page.get_by_role("tabpanel").count() == 1  # the shown one; the hidden map is out of the accessibility tree
    # Nobody is looking at the map: Leaflet has not drawn it (no tiles fetched, no markers built) until its tab is shown.
    assert page.locator(".work-views .leaflet-container").count() == 0

    map_tab.click()
    assert map_tab.get_attribute("aria-selected") == "true"
    shown = _views(page)
    assert shown["map"] and not shown["list"]
    assert shown["mapWidth"] > 300 and shown["mapHeight"] > 300
    # Leaflet measured the map it draws on: the four jobs' pins are on the screen, inside the map.
    assert page.evaluate("() => { const m = document.querySelector('.work-views .folium-map'); return window[m.id].getSize().x; }") == pytest.approx(shown["mapWidth"], abs=3)
    pins = page.locator(".work-views .leaflet-marker-icon")
    assert pins.count() == 4
    map_box = _box(page, ".work-views .leaflet-container")
    for i in range(4):
        pin = pins.nth(i).bounding_box()
        assert pin and map_box["left"] <= pin["x"] and pin["x"] + pin["width"] <= map_box["right"]
        assert map_box["top"] <= pin["y"] and pin["y"] + pin["height"] <= map_box["bottom"]

    # Arrow keys move between the tabs (the ARIA tabs pattern).
    map_tab.focus()
    page.keyboard.press("ArrowLeft")
    assert list_tab.get_attribute("aria-selected") == "true"
    assert page.evaluate("() => document.activeElement.id") == "view-tab-list"
    assert _views(page)["list"]
    assert errors == []
    ctx.close()


def test_a_list_filtered_before_the_map_tab_is_opened_gives_the_map_its_pins(browser, live_server, session, jobs) -> None:  # type: ignore[no-untyped-def]
    jobs[0].status = WorkOrderStatus.EN_ROUTE
    session.commit()
    ctx, page, errors = _open(browser, live_server, "alice", "/my-work", PHONE)
    page.select_option(".filters select[name=status]", "en_route")
    page.wait_for_function("() => document.querySelectorAll('.wo-list li.wo').length === 1")
    assert page.locator(".work-views .leaflet-container").count() == 0  # still not drawn
    page.get_by_role("tab", name="Map").click()
    page.wait_for_function("() => document.querySelector('.work-views .folium-map').dataset.markerCount === '1'")
    assert page.locator(f'.leaflet-marker-icon.fo-pin[title^="#{jobs[0].id} "]').count() == 1
    assert errors == []
    ctx.close()


def test_the_chosen_tab_is_shown_again_on_return(browser, live_server, jobs) -> None:  # type: ignore[no-untyped-def]
    ctx, page, errors = _open(browser, live_server, "alice", "/my-work", PHONE)
    page.get_by_role("tab", name="Map").click()
    page.locator(".work-views .leaflet-marker-icon").first.wait_for()
    page.goto(live_server + f"/work-orders/{jobs[0].id}")
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("tab", name="Map").get_attribute("aria-selected") == "true"
    shown = _views(page)
    assert shown["map"] and not shown["list"] and shown["pins"] == 4
    page.get_by_role("tab", name="List").click()
    page.reload()
    assert page.get_by_role("tab", name="List").get_attribute("aria-selected") == "true"
    assert page.locator(".work-views .leaflet-container").count() == 0
    assert errors == []
    ctx.close()


def test_my_work_on_a_tablet_held_sideways_shows_list_and_map_at_once(browser, live_server, jobs) -> None:  # type: ignore[no-untyped-def]
    ctx, page, errors = _open(browser, live_server, "alice", "/my-work", {"width": 1024, "height": 768})
    shown = _views(page)
    assert not shown["tabs"] and shown["list"] and shown["map"] and shown["pins"] == 4
    map_box, list_box = _box(page, ".work-views .map-pane"), _box(page, ".work-views .list-pane")
    assert map_box["right"] <= list_box["left"] and map_box["top"] < list_box["bottom"] and list_box["top"] < map_box["bottom"]
    assert page.get_by_role("tabpanel").count() == 0  # side by side they are plain regions, not tab panels
    assert errors == []
    ctx.close()


def test_my_work_turned_from_upright_to_sideways_keeps_a_sized_map(browser, live_server, jobs) -> None:  # type: ignore[no-untyped-def]
    ctx, page, errors = _open(browser, live_server, "alice", "/my-work", {"width": 768, "height": 1024})
    page.get_by_role("tab", name="Map").click()
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_function("() => !document.querySelector('[role=tablist]').checkVisibility()")
    shown = _views(page)
    assert shown["list"] and shown["map"]
    page.wait_for_function(
        "() => { const m = document.querySelector('.work-views .folium-map'); return Math.abs(window[m.id].getSize().x - m.getBoundingClientRect().width) < 3; }"
    )
    assert errors == []
    ctx.close()


def test_my_work_tabs_are_translated(browser, live_server, jobs) -> None:  # type: ignore[no-untyped-def]
    ctx, page, errors = _open(browser, live_server, "alice", "/my-work?lang=es", PHONE)
    assert page.get_by_role("tab").all_inner_texts() == ["Lista", "Mapa"]
    assert page.get_by_role("button", name="Menú", exact=True).is_visible()
    ctx.close()


@pytest.mark.parametrize("user", ("olga", "alice"))
@pytest.mark.parametrize("viewport", (PHONE, {"width": 768, "height": 1024}), ids=("phone", "tablet-portrait"))
def test_new_request_on_a_phone_has_the_location_map_before_save(browser, live_server, jobs, user, viewport) -> None:  # type: ignore[no-untyped-def]
    ctx, page, errors = _open(browser, live_server, user, "/requests/new", viewport)
    gps = _box(page, "[data-use-gps]")
    map_box = _box(page, "#request-form .leaflet-container")
    save = page.get_by_role("button", name="Save request").bounding_box()
    assert save and gps["top"] < map_box["top"] < save["y"]
    assert map_box["width"] > 250 and map_box["height"] > 250
    assert errors == []
    ctx.close()


def test_new_request_on_a_wide_screen_keeps_the_map_beside_the_form(browser, live_server, jobs) -> None:  # type: ignore[no-untyped-def]
    ctx, page, errors = _open(browser, live_server, "olga", "/requests/new", {"width": 1024, "height": 768})
    form, map_box = _box(page, "#request-form"), _box(page, "#request-form .leaflet-container")
    assert map_box["left"] >= form["right"] and map_box["top"] <= form["top"] + 1 and map_box["height"] > 300
    # The tracking-number panel, when shown, comes under the map, not over it.
    page.evaluate("() => { document.querySelector('[data-tracking-panel]').hidden = false; }")
    assert _box(page, "[data-tracking-panel]")["top"] >= map_box["bottom"]
    assert errors == []
    ctx.close()
