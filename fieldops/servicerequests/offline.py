"""What a tablet keeps to log requests offline: the catalogue of active service types, /api/catalog.json."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from fieldops.catalog.models import ServiceType
from fieldops.catalog.services import active_service_types
from fieldops.catalog.texts import attribute_text, choice_name, department_name, type_group, type_name, type_text
from fieldops.extensions import db
from fieldops.i18n import current_language
from fieldops.servicerequests.views import bp
from fieldops.sync.http import no_store_json


def service_type_json(st: ServiceType, lang: str) -> dict[str, Any]:
    """A catalogue entry for the offline intake form, its texts in `lang` (codes and keys stay as they are)."""
    return {
        "code": st.code,
        "name": type_name(st, lang),
        "department": {"code": st.department.code, "name": department_name(st.department, lang)},
        "group": type_group(st, lang),
        "sla_hours": st.sla_hours,
        "requires_before_photo": st.requires_before_photo,
        "requires_after_photo": st.requires_after_photo,
        # The intake form's questions and duplicate check, so the form works offline (fieldops/outreach/).
        "keywords": type_text(st, "keywords", lang),
        "duplicate_radius_m": st.duplicate_radius_m,
        "duplicate_window_hours": st.duplicate_window_hours,
        "attributes": [
            {
                "code": a.code,
                "datatype": a.datatype.value,
                "variable": a.variable,
                "required": a.required,
                "order": a.order,
                "description": attribute_text(a, "description", lang),
                "datatype_description": attribute_text(a, "datatype_description", lang),
                "values": [{**v, "name": choice_name(a, v.get("key"), lang)} for v in a.values],
            }
            for a in st.attributes
        ],
    }


@bp.route("/api/catalog.json")
def catalog_json() -> Response:
    """The catalogue in the reader's language (the page's: their choice, else the browser's), which "Ready for offline"
    keeps with the pages; changing language gets ready again (pwa/js/offline-ready.js forgetReady)."""
    lang = current_language()
    types = [service_type_json(st, lang) for st in active_service_types(db.session())]
    return no_store_json({"language": lang, "service_types": types})



# The sync API's OpenAPI document shows this endpoint (fieldops/sync/openapi.py).
PATHS = {
    "/api/catalog.json": {
        "get": {
            "summary": "The active service types with their questions, for the offline intake form, in the reader's language",
            "responses": {
                "200": {
                    "description": "The catalogue",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["service_types"],
                                "properties": {
                                    "language": {"type": "string", "description": "The language of the texts (en, es, pt, ht)"},
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
