"""Open311 answers the catalogue in English, as published, unless the client asks for a `locale` (an extension)."""

from __future__ import annotations

import json

from fieldops.catalog.models import ServiceAttribute
from fieldops.open311.demo import DEMO_ATTRIBUTES
from open311_helpers import BASE_URL


def _json(client, path: str, **kwargs):  # type: ignore[no-untyped-def]
    resp = client.get(f"{BASE_URL}/{path}", **kwargs)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return json.loads(resp.get_data())


def test_services_are_english_unless_a_locale_is_given(session, client, city) -> None:  # type: ignore[no-untyped-def]
    for order, question in enumerate(DEMO_ATTRIBUTES["pothole"], start=1):
        city.pothole.attributes.append(ServiceAttribute(order=order, **question))
    city.streetlight.translations = {"es": {"name": "Luz de la calle apagada", "keywords": "farola"}}
    session.commit()
    # A browser's language or a ?lang= never changes what an Open311 client reads.
    names = {s["service_code"]: s["service_name"] for s in _json(client, "services.json", query_string={"lang": "es"}, headers={"Accept-Language": "es"})}
    assert names == {"pothole": "Pothole", "streetlight": "Street light out"}
    spanish = {s["service_code"]: s for s in _json(client, "services.json", query_string={"locale": "es-US"})}
    assert spanish["pothole"]["service_name"] == "Bache"
    assert spanish["streetlight"]["service_name"] == "Luz de la calle apagada" and spanish["streetlight"]["keywords"] == "farola"
    assert {s["service_name"] for s in _json(client, "services.json", query_string={"locale": "fr"})} == {"Pothole", "Street light out"}

    definition = _json(client, "services/pothole.json", query_string={"locale": "pt"})
    where = definition["attributes"][0]
    assert where["description"] == "Onde fica o buraco?"
    assert where["values"][0] == {"key": "street", "name": "Na rua"}  # keys never change
    assert definition["attributes"][1]["datatype_description"] == "Um número, p. ex. 12"
    english = _json(client, "services/pothole.json")
    assert english["attributes"][0]["description"] == "Where is the pothole?"
