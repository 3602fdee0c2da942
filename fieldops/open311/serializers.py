"""Write Open311 answers as JSON or XML with the standard's element names.

The same Python structure feeds both encodings: JSON as it is; XML through `to_xml` with the root and
item names GeoReport v2 uses (services/service, service_requests/request, errors/error,
service_definition/attributes/attribute/values/value).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from fieldops.catalog import texts
from fieldops.catalog.models import AttributeType, ServiceType
from fieldops.open311.services import Note, PublicPhoto, PublicRequest, PublicService

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# Lists whose XML form is a container of singular items; other lists repeat their own element name.
_SINGULAR = {
    "attributes": "attribute",
    "values": "value",
    "photos": "photo",
    "notes": "note",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all (C0 controls other than tab/newline/return, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

PhotoUrl = Callable[[PublicPhoto], str]


def iso(value: dt.datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 in the city's local time with its UTC offset, to the second (as Chicago and Toronto answer)."""
    if value is None:
        return None
    return value.astimezone(zone).isoformat(timespec="seconds")


def service(s: PublicService) -> dict[str, Any]:
    """One entry of services.json."""
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.description,
        "metadata": s.metadata,
        # Requests are created at once and answered with their id: "realtime" in GeoReport's words.
        "type": "realtime",
        "keywords": s.keywords,
        "group": s.group,
    }


def service_definition(st: ServiceType, lang: str = "en") -> dict[str, Any]:
    """services/{code}.json: the service's questions in display order, their texts in `lang`."""
    attributes = []
    for attr in sorted(st.attributes, key=lambda a: (a.order, a.id)):
        item: dict[str, Any] = {
            "variable": attr.variable,
            "code": attr.code,
            "datatype": attr.datatype.value,
            "required": attr.required,
            "datatype_description": texts.attribute_text(attr, "datatype_description", lang) or None,
            "order": attr.order,
            "description": texts.attribute_text(attr, "description", lang),
        }
        if attr.datatype in (AttributeType.SINGLEVALUELIST, AttributeType.MULTIVALUELIST):
            item["values"] = [{"key": str(v["key"]), "name": texts.choice_name(attr, v["key"], lang)} for v in attr.values]
        attributes.append(item)
    return {"service_code": st.code, "attributes": attributes}


def request(r: PublicRequest, zone: ZoneInfo, photo_url: PhotoUrl, *, extensions: bool) -> dict[str, Any]:
    """One request in GeoReport v2's field order; with extensions, Chicago's attributes, extended_attributes, notes."""
    first_photo = r.photos[0] if r.photos else None
    out: dict[str, Any] = {
        "service_request_id": r.service_request_id,
        "status": r.status,
        "status_notes": r.status_notes,
        "service_name": r.service_name,
        "service_code": r.service_code,
        "description": r.description,
        "agency_responsible": r.agency_responsible,
        "service_notice": r.service_notice,
        "requested_datetime": iso(r.requested_datetime, zone),
        "updated_datetime": iso(r.updated_datetime, zone),
        "expected_datetime": iso(r.expected_datetime, zone),
        "address": r.address,
        # fieldops keeps no master address file, so there is no address id to give.
        "address_id": None,
        "zipcode": r.zipcode,
        "lat": r.lat,
        "long": r.long,
        # Our own copy of the first photo when there is one (always reachable), else the link the client gave.
        "media_url": photo_url(first_photo) if first_photo is not None else r.given_media_url,
    }
    if extensions:
        out["attributes"] = r.attributes
        out["extended_attributes"] = {
            "channel": r.channel,
            "district": r.district,
            "district_code": r.district_code,
            "duplicate_of": r.duplicate_of,
            "parent_request_id": r.parent_request_id,
            "photos": [
                {
                    "url": photo_url(p),
                    "kind": p.kind,
                    "size": p.size,
                    "width": p.width,
                    "height": p.height,
                    "taken_at": iso(p.taken_at, zone),
                    "uploaded_at": iso(p.created_at, zone),
                }
                for p in r.photos
            ],
        }
        out["notes"] = [note(n, zone) for n in r.notes]
    return out


def note(n: Note, zone: ZoneInfo) -> dict[str, Any]:
    """One step of the public timeline, shaped like Chicago's notes."""
    out: dict[str, Any] = {"datetime": iso(n.at, zone), "summary": n.summary, "type": n.type}
    if n.description:
        out["description"] = n.description
    if n.extended_attributes:
        out["extended_attributes"] = n.extended_attributes
    return out


def error(code: int, description: str) -> dict[str, Any]:
    """One GeoReport error."""
    return {"code": code, "description": description}


# ---------------------------------------------------------------- encodings


def to_json(data: Any) -> bytes:
    """UTF-8 JSON, non-ASCII kept as is."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def to_xml(root: str, item: str | None, data: Any) -> bytes:
    """XML with the standard's names: `root` holding one `item` element per entry of a list (or `data` itself)."""
    element = ET.Element(root)
    if item is None:
        _fill(element, data)
    else:
        for entry in data:
            _fill(ET.SubElement(element, item), entry)
    document: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return document


def request_for_xml(data: dict[str, Any]) -> dict[str, Any]:
    """Request attributes are {code: answer}; codes need not be XML names, so XML lists them as attribute elements."""
    if "attributes" not in data:
        return data
    out = dict(data)
    out["attributes"] = [{"code": code, "value": value} for code, value in data["attributes"].items()]
    return out


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    else:
        element.text = _text(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list | tuple):
        if name in _SINGULAR:
            container = ET.SubElement(parent, name)
            for entry in value:
                _fill(ET.SubElement(container, _SINGULAR[name]), entry)
        else:
            for entry in value:
                _fill(ET.SubElement(parent, name), entry)
        return
    _fill(ET.SubElement(parent, name), value)


def _text(value: Any) -> str | None:
    if value is None:
        return None  # an empty element, as Toronto and the spec's examples write nulls
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def requests_document(items: Sequence[dict[str, Any]]) -> bytes:
    """service_requests/request XML for request lists."""
    return to_xml("service_requests", "request", [request_for_xml(i) for i in items])
