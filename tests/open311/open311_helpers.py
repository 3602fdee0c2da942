"""Shared by the Open311 tests: a city with a service definition of every datatype, keys, posting, schemas."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from flask.testing import FlaskClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from data_files import shared_file
from factories import City
from fieldops.catalog.models import AttributeType, ServiceAttribute, ServiceType
from fieldops.open311 import keys

SCHEMA_DIR = "open311/georeport-v2-schema"  # no stated licence: read from ../shared/data, never shipped
BASE = "https://schemas.open311.example/georeport-v2/"
BASE_URL = "/open311/v2"


def add_tree_service(session: Session, city: City) -> ServiceType:
    """A service whose definition has one attribute of every GeoReport datatype, plus an information-only one."""
    tree = ServiceType(code="tree", name="Tree problem", department=city.pwd, sla_hours=240, group="Parks & trees", keywords="tree, limb, branch",
                       description="Dead, damaged or dangerous street trees")
    tree.attributes = [
        ServiceAttribute(code="NOTICE", datatype=AttributeType.STRING, variable=False, order=0, description="Call 911 if a tree blocks the road."),
        ServiceAttribute(code="WHERE", datatype=AttributeType.SINGLEVALUELIST, required=True, order=1, description="Where is the tree?",
                         values=[{"key": "street", "name": "Street"}, {"key": "park", "name": "Park"}]),
        ServiceAttribute(code="PROBLEMS", datatype=AttributeType.MULTIVALUELIST, order=2, description="What is wrong?",
                         values=[{"key": "dead", "name": "Dead"}, {"key": "limb", "name": "Fallen limb"}, {"key": "roots", "name": "Roots"}]),
        ServiceAttribute(code="HEIGHT", datatype=AttributeType.NUMBER, order=3, description="Height in feet", datatype_description="A number"),
        ServiceAttribute(code="SEEN", datatype=AttributeType.DATETIME, order=4, description="When did you see it?"),
        ServiceAttribute(code="SPECIES", datatype=AttributeType.STRING, order=5, description="Species, if known"),
        ServiceAttribute(code="DETAILS", datatype=AttributeType.TEXT, order=6, description="More details"),
    ]
    session.add(tree)
    session.flush()
    return tree


def issue_key(session: Session, *, rate: int = 10_000, name: str = "Test 311 app") -> str:
    _, plaintext = keys.issue_key(session, None, name=name, rate_limit_per_minute=rate)
    session.commit()
    return plaintext


def post_request(client: FlaskClient, key: str | None, fmt: str = "json", **fields: Any) -> TestResponse:
    data = {"api_key": key, **fields} if key is not None else dict(fields)
    return client.post(f"{BASE_URL}/requests.{fmt}", data=data)


# ---------------------------------------------------------------- the published GeoReport v2 JSON Schemas


@functools.cache
def _registry() -> Registry:
    resources = []
    for path in sorted(shared_file(SCHEMA_DIR).glob("*.json")):
        if path.name == "swagger.json":
            continue
        resources.append((BASE + path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT4)))
    return Registry().with_resources(resources)


FORMATS = jsonschema.FormatChecker()
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


# jsonschema checks "date-time" and "uri" only with optional packages this project does not install; the
# schemas rely on both, so the checks are registered here explicitly instead of silently passing.
@FORMATS.checks("date-time")
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)


def _validator(schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(schema, registry=_registry(), format_checker=FORMATS)


class _Published:
    """A validator built from the published schemas on first use, inside a test: without ../shared/data
    that test skips (saying why) instead of the whole module failing at import."""

    def __init__(self, build: Callable[[], jsonschema.Draft4Validator]) -> None:
        self._build = functools.cache(build)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._build(), name)


# requests.json and services.json are arrays of request.json / service.json. Their `minItems: 1` sits inside
# `items` (beside a $ref, where Draft 4 ignores it; on an object it would mean nothing anyway), so an
# empty answer is valid, as the spec means: a query that matches nothing returns an empty list.
REQUESTS = _Published(lambda: _validator({"$ref": BASE + "requests.json"}))
SERVICES = _Published(lambda: _validator({"$ref": BASE + "services.json"}))
SERVICE_DEFINITION = _Published(lambda: _validator({"$ref": BASE + "service-definition.json"}))

# The folder has no schema for POST answers, tokens or errors. swagger.json (same repository) defines the
# first two; its RequestResponse types account_id as a string, yet the spec's own example answers
# "account_id": null for anonymous submissions, so null is allowed here explicitly.
@functools.cache
def _swagger() -> dict[str, Any]:
    return json.loads((shared_file(SCHEMA_DIR) / "swagger.json").read_text())["definitions"]


def _post_response() -> jsonschema.Draft4Validator:
    created = json.loads(json.dumps(_swagger()["RequestResponse"]))
    created["properties"]["account_id"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    created["required"] = ["service_request_id"]
    for prop in created["properties"].values():
        prop.pop("format", None)  # "uid" is not a JSON Schema format
    return _validator({"type": "array", "minItems": 1, "items": created})


def _tokens() -> jsonschema.Draft4Validator:
    token = json.loads(json.dumps(_swagger()["TokenResponse"]))
    for prop in token["properties"].values():
        prop.pop("format", None)
    token["required"] = ["service_request_id", "token"]
    return _validator({"type": "array", "minItems": 1, "items": token})


POST_RESPONSE = _Published(_post_response)
TOKENS = _Published(_tokens)
# GeoReport v2 "Errors": a list of {code, description}; no published schema, this is the wiki's shape.
ERRORS = jsonschema.Draft4Validator(
    {
        "type": "array",
        "minItems": 1,
        "items": {"type": "object", "required": ["code", "description"], "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}},
    },
    format_checker=FORMATS,
)


def json_of(resp: TestResponse, validator: jsonschema.Draft4Validator, status: int = 200) -> Any:
    """The response's JSON after checking status, content type, UTF-8 and the schema."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type == "application/json; charset=utf-8"
    data = json.loads(resp.get_data().decode("utf-8"))
    validator.validate(data)
    return data


def xml_of(resp: TestResponse, root: str, status: int = 200) -> ET.Element:
    """The response's XML root after checking status, content type and the root element's name."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type == "text/xml; charset=utf-8"
    body = resp.get_data()
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    element = ET.fromstring(body)
    assert element.tag == root
    return element


def error_of(resp: TestResponse, status: int, fmt: str = "json") -> str:
    """The description of a GeoReport error answer, checked in either encoding."""
    if fmt == "xml":
        root = xml_of(resp, "errors", status)
        errors = root.findall("error")
        assert len(errors) == 1 and [c.tag for c in errors[0]] == ["code", "description"]
        assert errors[0].findtext("code") == str(status)
        return errors[0].findtext("description") or ""
    data = json_of(resp, ERRORS, status)
    assert data[0]["code"] == status
    return str(data[0]["description"])
