"""What a tablet keeps to log requests offline: the catalogue of active service types, /api/catalog.json."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from fieldops.catalog.models import ServiceType
from fieldops.catalog.services import active_service_types
from fieldops.extensions import db
from fieldops.servicerequests.views import bp
from fieldops.sync.http import no_store_json


def service_type_json(st: ServiceType) -> dict[str, Any]:
    """A catalogue entry for the offline intake form."""
    return {
        "code": st.code,
        "name": st.name,
        "department": {"code": st.department.code, "name": st.department.name},
        "group": st.group,
        "sla_hours": st.sla_hours,
        "requires_before_photo": st.requires_before_photo,
        "requires_after_photo": st.requires_after_photo,
        # The intake form's questions and duplicate check, so the form works offline (fieldops/outreach/).
        "keywords": st.keywords,
        "duplicate_radius_m": st.duplicate_radius_m,
        "duplicate_window_hours": st.duplicate_window_hours,
        "attributes": [
            {
                "code": a.code,
                "datatype": a.datatype.value,
                "variable": a.variable,
                "required": a.required,
                "order": a.order,
                "description": a.description,
                "datatype_description": a.datatype_description,
                "values": a.values,
            }
            for a in st.attributes
        ],
    }


@bp.route("/api/catalog.json")
def catalog_json() -> Response:
    return no_store_json({"service_types": [service_type_json(st) for st in active_service_types(db.session())]})


# The sync API's OpenAPI document shows this endpoint (fieldops/sync/openapi.py).
PATHS = {
    "/api/catalog.json": {
        "get": {
            "summary": "The active service types with their questions, for the offline intake form",
            "responses": {
                "200": {
                    "description": "The catalogue",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["service_types"],
                                "properties": {
                                    "service_types": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["code", "name", "department", "attributes"],
                                            "properties": {
                                                "code": {"type": "string"},
                                                "name": {"type": "string"},
                                                "department": {"type": "object"},
                                                "sla_hours": {"type": ["number", "null"]},
                                                "attributes": {"type": "array", "items": {"type": "object"}},
                                            },
                                        },
                                    }
                                },
                            }
                        }
                    },
                },
                "401": {"description": "Not signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        }
    }
}
