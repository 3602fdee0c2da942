"""Where am I, offline: the device's position on the crew's maps and the intake map, "Show my location", My work
sorted nearest first, and refusals said in words (pwa/js/my-location.js)."""

from __future__ import annotations

from factories import CITY_HALL, DAVIS_SQUARE, UNION_SQUARE, make_job
from helpers import sign_in

# Standing a few metres from Union Square: Union is nearest, then City Hall, then Davis.
HERE = {"latitude": 42.3797, "longitude": -71.0940, "accuracy": 25}


def _allow_location(context, base: str, where: dict = HERE) -> None:  # type: ignore[no-untyped-def,type-arg]
    context.grant_permissions(["geolocation"], origin=base)
    context.set_geolocation(where)


def _here_at(page, selector: str = ".folium-map") -> list[float]:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"{selector}[data-here-at]")
    return [float(v) for v in page.get_attribute(selector, "data-here-at").split(",")]


def _drawn(page, selector: str = ".folium-map") -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The position as drawn on the map (the maps draw on a canvas): the dot's point and the circle's radius."""
    return page.eval_on_selector(  # type: ignore[no-any-return]
        selector,
        """el => { const h = el._fieldopsHere, m = el._fieldopsMap || (h && h.dot._map);
                   if (!h) return {dot: false};
                   return {dot: !!m && m.hasLayer(h.dot) && m.hasLayer(h.ring), lat: h.dot.getLatLng().lat, radius: h.ring.getRadius()}; }""",
    )


def _jobs(session, city) -> dict[str, int]:  # type: ignore[no-untyped-def]
    davis = make_job(session, city, at=DAVIS_SQUARE, address="Davis Sq")
    hall = make_job(session, city, at=CITY_HALL, address="City Hall")
    union = make_job(session, city, at=UNION_SQUARE, address="1 Union Sq")
    session.commit()
    return {"davis": davis.id, "hall": hall.id, "union": union.id}


def test_my_work_shows_where_i_am_centres_on_it_and_sorts_nearest_first_offline(page, context, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    jobs = _jobs(session, city)
    _allow_location(context, live_server)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server}/my-work")
    # Already allowed: the position is shown at once, a dot in its accuracy circle.
    lat, lon, accuracy = _here_at(page)
    assert (round(lat, 4), round(lon, 4), accuracy) == (42.3797, -71.094, 25)
    assert _drawn(page) == {"dot": True, "lat": 42.3797, "radius": 25}

    button = page.get_by_role("button", name="Show my location")
    box = button.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44
    # Away from here, then back: the map centres on the device's position.
    page.eval_on_selector(".folium-map", "el => el._fieldopsMap.setView([42.40, -71.13], 13, {animate: false})")
    button.click()
    page.wait_for_function("() => { const c = document.querySelector('.folium-map')._fieldopsMap.getCenter(); return Math.abs(c.lat - 42.3797) < 1e-4 && Math.abs(c.lng + 71.094) < 1e-4; }")
    assert page.eval_on_selector(".folium-map", "el => el._fieldopsMap.getZoom()") >= 16

    # No signal: the GPS still moves the dot, and the list sorts by distance on the tablet alone.
    context.set_offline(True)
    context.set_geolocation({"latitude": 42.3799, "longitude": -71.0945, "accuracy": 12})
    page.wait_for_function("() => (document.querySelector('.folium-map').dataset.hereAt || '').endsWith(',12')")
    order_before = page.eval_on_selector_all(".wo-list li.wo", "rows => rows.map((r) => Number(r.dataset.workOrder))")
    assert order_before == sorted(jobs.values())  # the server's order (due date, then number)
    page.get_by_label("Sort").select_option("distance")
    page.wait_for_selector(".wo-list[data-sorted-by=distance]")
    rows = page.eval_on_selector_all(".wo-list li.wo", "rows => rows.map((r) => [Number(r.dataset.workOrder), r.querySelector('[data-distance]').textContent])")
    assert [wo for wo, _ in rows] == [jobs["union"], jobs["hall"], jobs["davis"]]
    union, hall, davis = (text for _, text in rows)
    assert (union, hall, davis) == ("80 m away", "950 m away", "3 km away")
    assert page.locator("[data-location-message]:visible").count() == 0  # nothing to explain
    page.get_by_label("Sort").select_option("due")
    page.wait_for_selector(".wo-list[data-sorted-by=due]")
    assert page.eval_on_selector_all(".wo-list li.wo", "rows => rows.map((r) => Number(r.dataset.workOrder))") == order_before
    assert page.locator("[data-distance]").count() == 0


def test_a_refused_permission_is_explained_on_the_map_and_beside_the_sort(page, context, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    _jobs(session, city)
    context.clear_permissions()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server}/my-work")
    page.get_by_role("button", name="Show my location").click()
    message = page.locator(".map-pane [data-location-message][role=status]")
    message.wait_for(state="visible")
    assert "Location is not allowed for this app" in message.inner_text()
    assert _drawn(page) == {"dot": False}

    page.get_by_label("Sort").select_option("distance")
    beside = page.locator(".list-pane [data-location-message][role=status]")
    beside.wait_for(state="visible")
    assert "Allow location for this site" in beside.inner_text()
    assert page.locator("[data-distance]").count() == 0


def test_the_job_page_and_the_intake_map_show_my_location(page, context, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    jobs = _jobs(session, city)
    _allow_location(context, live_server)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server}/work-orders/{jobs['davis']}")
    _here_at(page)
    assert _drawn(page)["dot"]
    page.get_by_role("button", name="Show my location").click()
    page.wait_for_function("() => Math.abs(document.querySelector('.folium-map')._fieldopsMap.getCenter().lat - 42.3797) < 1e-4")

    page.goto(f"{live_server}/requests/new")
    _here_at(page)
    assert _drawn(page)["dot"]
    page.get_by_role("button", name="Show my location").click()
    # The button is not a tap on the map: the report's point stays unset until the user sets it.
    assert page.input_value("input[name=latitude]") == ""


def test_in_spanish_the_button_and_the_distances_are_spanish(page, context, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    _jobs(session, city)
    _allow_location(context, live_server, {"latitude": CITY_HALL[0], "longitude": CITY_HALL[1], "accuracy": 20})
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server}/my-work?lang=es")
    _here_at(page)
    page.get_by_role("button", name="Mostrar mi ubicación").wait_for()
    page.get_by_label("Ordenar").select_option("distance")
    page.wait_for_selector(".wo-list[data-sorted-by=distance]")
    texts = page.eval_on_selector_all("[data-distance]", "els => els.map((e) => e.textContent)")
    assert texts == ["a 10 m", "a 1 km", "a 2,1 km"]
