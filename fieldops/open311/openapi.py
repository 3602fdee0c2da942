"""The OpenAPI 3 description of the Open311 endpoints, served at /open311/v2/openapi.json."""

from __future__ import annotations

from typing import Any

from fieldops.open311.services import MAX_PAGE, MAX_PAGE_SIZE


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


_STR = {"type": "string"}
_NSTR = _nullable(_STR)
_DATETIME = {"type": "string", "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": _STR},
    },
    "Errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}, "minItems": 1},
    "Service": {
        "type": "object",
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": _STR,
            "service_name": _STR,
            "description": _NSTR,
            "metadata": {"type": "boolean", "description": "true: GET services/{service_code} lists questions to answer"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": _NSTR,
            "group": _NSTR,
        },
    },
    "Services": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}},
    "AttributeValue": {"type": "object", "required": ["key", "name"], "properties": {"key": _STR, "name": _STR}},
    "ServiceAttribute": {
        "type": "object",
        "required": ["variable", "code", "datatype", "required"],
        "properties": {
            "variable": {"type": "boolean"},
            "code": _STR,
            "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
            "required": {"type": "boolean"},
            "datatype_description": _NSTR,
            "order": _nullable({"type": "integer"}),
            "description": _NSTR,
            "values": {"type": "array", "items": {"$ref": "#/components/schemas/AttributeValue"}},
        },
    },
    "ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {"service_code": _STR, "attributes": {"type": "array", "items": {"$ref": "#/components/schemas/ServiceAttribute"}}},
    },
    "Photo": {
        "type": "object",
        "required": ["url", "kind"],
        "properties": {
            "url": {"type": "string", "format": "uri"},
            "kind": {"type": "string", "enum": ["intake", "before", "after"]},
            "size": {"type": "integer"},
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "taken_at": _nullable(_DATETIME),
            "uploaded_at": _DATETIME,
        },
    },
    "Note": {
        "type": "object",
        "required": ["datetime", "summary", "type"],
        "properties": {
            "datetime": _DATETIME,
            "summary": _STR,
            "type": {"type": "string", "enum": ["opened", "activity", "closed", "follow_on_created", "follow_on_closed"]},
            "description": _STR,
            "extended_attributes": {"type": "object"},
        },
    },
    "Request": {
        "type": "object",
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": _STR,
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _NSTR,
            "service_name": _NSTR,
            "service_code": _STR,
            "description": _nullable({"type": "string", "maxLength": 4000}),
            "agency_responsible": _NSTR,
            "service_notice": _NSTR,
            "requested_datetime": _DATETIME,
            "updated_datetime": _nullable(_DATETIME),
            "expected_datetime": _nullable(_DATETIME),
            "address": _NSTR,
            "address_id": _NSTR,
            "zipcode": _NSTR,
            "lat": _nullable({"type": "number"}),
            "long": _nullable({"type": "number"}),
            "media_url": _nullable({"type": "string", "format": "uri"}),
            "attributes": {"type": "object", "description": "extensions=true: answers to the service's attributes"},
            "extended_attributes": {
                "type": "object",
                "description": "extensions=true",
                "properties": {
                    "channel": _STR,
                    "district": _NSTR,
                    "district_code": _NSTR,
                    "duplicate_of": _NSTR,
                    "parent_request_id": _NSTR,
                    "photos": {"type": "array", "items": {"$ref": "#/components/schemas/Photo"}},
                },
            },
            "notes": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}, "description": "extensions=true: public timeline"},
        },
    },
    "Requests": {"type": "array", "items": {"$ref": "#/components/schemas/Request"}},
    "Created": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id"],
            "properties": {"service_request_id": _STR, "service_notice": _NSTR, "account_id": _NSTR},
        },
    },
    "Tokens": {
        "type": "array",
        "items": {"type": "object", "required": ["service_request_id", "token"], "properties": {"service_request_id": _STR, "token": _STR}},
    },
    "Discovery": {
        "type": "object",
        "required": ["changeset", "endpoints"],
        "properties": {
            "changeset": _STR,
            "contact": _STR,
            "key_service": _STR,
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "type", "formats"],
                    "properties": {
                        "specification": _STR,
                        "url": _STR,
                        "changeset": _STR,
                        "type": _STR,
                        "formats": {"type": "array", "items": _STR},
                    },
                },
            },
        },
    },
}


def _content(schema_name: str) -> dict[str, Any]:
    return {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}},
        "text/xml": {"schema": {"type": "string"}},
    }


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _content("Errors")}


_FORMAT = {"name": "format", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]}, "description": "Response encoding"}
_JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "Optional: this endpoint serves one jurisdiction; another id is answered 404.",
}
_API_KEY_QUERY = {
    "name": "api_key",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "Optional on reads; a key sent is checked (403) and counted against its rate limit (429).",
}
_EXTENSIONS = {"name": "extensions", "in": "query", "required": False, "schema": {"type": "string", "enum": ["true", "false"]}, "description": "true adds attributes, extended_attributes and notes (Chicago's extensions)"}
_LOCALE = {
    "name": "locale",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "Extension: es, pt or ht (or a tag such as es-US) gives names, keywords, groups and questions in that language; English otherwise",
}
_READ_ERRORS = {
    "400": _error("An argument is missing or invalid"),
    "403": _error("The api_key sent is not valid or is revoked"),
    "404": _error("Unknown service, request, token or jurisdiction_id"),
    "429": _error("The api_key sent made too many requests this minute (see Retry-After)"),
}


def _get(summary: str, schema: str, params: list[dict[str, Any]], ok: str, jurisdiction: dict[str, Any] = _JURISDICTION) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [_FORMAT, jurisdiction, _API_KEY_QUERY, *params],
        "responses": {"200": {"description": ok, "content": _content(schema)}, **_READ_ERRORS},
    }


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}, "description": description}


_POST_FIELDS: dict[str, Any] = {
    "api_key": {"type": "string", "description": "The client's key (or the X-Api-Key header, or api_key in the query string)"},
    "jurisdiction_id": _STR,
    "service_code": {"type": "string", "description": "Required: a service_code from services.json"},
    "lat": {"type": "number", "format": "double", "description": "WGS84 latitude (with long, or give address_string)"},
    "long": {"type": "number", "format": "double"},
    "address_string": {"type": "string", "maxLength": 255},
    "address_id": {"type": "string", "description": "Not supported: fieldops keeps no address master file"},
    "email": {"type": "string", "description": "Private: used only to contact the resident"},
    "device_id": {"type": "string", "description": "Private"},
    "account_id": {"type": "string", "description": "Ignored"},
    "first_name": {"type": "string", "description": "Private"},
    "last_name": {"type": "string", "description": "Private"},
    "phone": {"type": "string", "description": "Private"},
    "description": {"type": "string", "maxLength": 4000},
    "media_url": {"type": "string", "format": "uri"},
}


def openapi_document(server_url: str, service_codes: list[str] | None = None, jurisdiction: str | None = None) -> dict[str, Any]:
    """The whole description, with the server's own base URL and, when given, its service codes and jurisdiction."""
    jurisdiction_param = dict(_JURISDICTION)
    if jurisdiction:
        jurisdiction_param["schema"] = {"type": "string", "enum": [jurisdiction]}
    code_schema: dict[str, Any] = {"type": "string"}
    if service_codes:
        code_schema = {"type": "string", "enum": service_codes, "description": "One of the city's service codes (services.json)"}
    post_fields = {
        **_POST_FIELDS,
        "service_code": code_schema,
        "jurisdiction_id": jurisdiction_param["schema"],
        "lat": {**_POST_FIELDS["lat"], "minimum": -90, "maximum": 90},
        "long": {**_POST_FIELDS["long"], "minimum": -180, "maximum": 180},
    }
    status_schema = {"type": "string", "description": "open, closed, or open,closed"}
    requests_params = [
        _query("service_request_id", "Comma-separated ids; overrides every other argument"),
        _query("service_code", "Comma-separated service codes"),
        _query("start_date", "Earliest requested_datetime (ISO 8601; no zone = city time). With end_date at most 90 days apart", {"type": "string", "format": "date-time"}),
        _query("end_date", "Latest requested_datetime (ISO 8601). Without any date argument: the last 90 days", {"type": "string", "format": "date-time"}),
        _query("status", "open, closed or both comma-separated", status_schema),
        _query("updated_after", "Extension: changed after this time; results oldest change first", {"type": "string", "format": "date-time"}),
        _query("updated_before", "Extension: changed before this time", {"type": "string", "format": "date-time"}),
        _query("page", "Extension: page number, from 1", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
        _query("page_size", f"Extension: results per page, at most {MAX_PAGE_SIZE} (the default)", {"type": "integer", "minimum": 1}),
        _EXTENSIONS,
    ]
    form_schema = {"type": "object", "required": ["service_code"], "properties": post_fields, "additionalProperties": {"type": "string"}}
    multipart_schema = {
        "type": "object",
        "required": ["service_code"],
        "properties": {**post_fields, "media": {"type": "string", "format": "binary", "description": "A photo (JPEG, PNG, WebP, HEIC), GeoReport v2.1 draft"}},
        "additionalProperties": {"type": "string"},
    }
    def get_(summary: str, schema: str, params: list[dict[str, Any]], ok: str) -> dict[str, Any]:
        return _get(summary, schema, params, ok, jurisdiction=jurisdiction_param)

    return {
        "openapi": "3.0.3",
        "info": {
            "title": "fieldops Open311 GeoReport v2",
            "version": "2.0",
            "description": (
                "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) with the v2.1 draft's media upload and "
                "Chicago's extensions (updated_after/updated_before, page/page_size, extensions=true). Reads need no key "
                "and allow any origin (CORS); writes need an API key issued by the city. Attribute answers are sent as "
                "attribute[CODE]=value, or attribute[CODE][]=value repeated for multivaluelist. Times are ISO 8601 "
                "in the city's time zone with its UTC offset. Errors are a list of {code, description}."
            ),
        },
        "servers": [{"url": server_url}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "api_key": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Api-Key",
                    "description": "Or the api_key form field, or api_key in the query string (header, then body, then query)",
                },
                "api_key_query": {"type": "apiKey", "in": "query", "name": "api_key"},
            },
        },
        "paths": {
            "/discovery.{format}": {"get": get_("Discovery document", "Discovery", [], "Where this endpoint is and what it speaks")},
            "/services.{format}": {"get": get_("List services", "Services", [_LOCALE], "Every active service")},
            "/services/{service_code}.{format}": {
                "get": get_(
                    "Service definition",
                    "ServiceDefinition",
                    [{"name": "service_code", "in": "path", "required": True, "schema": code_schema}, _LOCALE],
                    "The service's attributes (questions) in order",
                )
            },
            "/requests.{format}": {
                "get": get_("Query requests", "Requests", requests_params, "Matching requests, newest first (oldest change first with updated_after/before)"),
                "post": {
                    "summary": "Submit a request",
                    "security": [{"api_key": []}, {"api_key_query": []}],
                    "parameters": [_FORMAT],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {"schema": form_schema},
                            "multipart/form-data": {"schema": multipart_schema},
                        },
                    },
                    "responses": {
                        "200": {"description": "Created; service_request_id is the public tracking number", "content": _content("Created")},
                        "400": _error("A missing or invalid argument (nothing is saved)"),
                        "403": _error("api_key missing, unknown or revoked"),
                        "404": _error("Unknown jurisdiction_id"),
                        "413": _error("Upload larger than the photo size limit"),
                        "429": _error("Too many requests this minute for this api_key (see Retry-After)"),
                    },
                },
            },
            "/requests/{service_request_id}.{format}": {
                "get": get_(
                    "One request",
                    "Requests",
                    [{"name": "service_request_id", "in": "path", "required": True, "schema": {"type": "string"}}, _EXTENSIONS],
                    "A list holding the request",
                )
            },
            "/tokens/{token}.{format}": {
                "get": get_(
                    "Resolve a token",
                    "Tokens",
                    [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "Requests are created synchronously: the token is the service_request_id",
                )
            },
        },
    }

