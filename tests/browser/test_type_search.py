"""The New request type search on a Spanish page, in a real Chromium: it finds types by their Spanish and English
names and keywords, says when nothing matches, never keeps a hidden choice, and shows the type's questions in
Spanish (fieldops/catalog/texts.py, pwa/js/intake.js)."""

from __future__ import annotations

from fieldops.catalog.models import Department, ServiceAttribute, ServiceType
from fieldops.open311.demo import DEMO_ATTRIBUTES
from fieldops.workorders.demo import KEYWORDS
from helpers import sign_in


def test_spanish_type_search_finds_says_and_clears(page, live_server, session, city) -> None:  # type: ignore[no-untyped-def]
    isd = Department(code="ISD", name="Inspectional Services")
    session.add(ServiceType(code="rodent", name="Rodent activity", department=isd, group=isd.name, keywords=KEYWORDS["rodent"]))
    city.pothole.keywords = KEYWORDS["pothole"]
    for order, question in enumerate(DEMO_ATTRIBUTES["pothole"], start=1):
        city.pothole.attributes.append(ServiceAttribute(order=order, **question))
    session.commit()

    sign_in(page, live_server, "olga")
    page.goto(f"{live_server}/requests/new?lang=es")
    search = page.get_by_role("searchbox", name="Buscar en los tipos de servicio")
    select = page.get_by_role("combobox", name="¿De qué se trata?")  # the select has its own name now

    search.fill("bache")  # the Spanish name
    assert select.input_value() == "pothole"
    fieldset = page.locator("[data-attributes-for=pothole]")
    assert fieldset.is_visible()
    assert "¿Dónde está el bache?" in fieldset.inner_text()
    assert page.locator("[data-attributes-for=pothole] select option[value=street]").inner_text() == "En la calle"

    search.fill("rats")  # an English keyword on a Spanish page
    assert select.input_value() == "rodent"
    assert not fieldset.is_visible()  # the pothole's questions went with it
    assert page.locator("[data-type-search-status]").inner_text() == ""

    search.fill("pothole")
    assert select.input_value() == "pothole"
    search.fill("zzz")
    assert page.locator("[data-type-search-status]").inner_text() == "Ningún tipo coincide con «zzz»"
    assert page.get_by_role("status").filter(has_text="Ningún tipo coincide").count() == 1  # announced
    assert select.input_value() == ""  # the hidden pothole is no longer chosen
    assert not fieldset.is_visible()
    # Saving now asks for a type instead of saving the hidden one.
    assert page.evaluate("() => document.querySelector('select[name=service_type]').validity.valueMissing")

    search.fill("")  # every type again, the message gone
    assert page.locator("[data-type-search-status]").inner_text() == ""
    assert page.locator("select[name=service_type] option[value=streetlight]").is_enabled()
