"""What a crew's tablet keeps to work its jobs offline: /api/my-work.json (listed in the offline manifest)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops.db import utcnow
from fieldops.extensions import db
from fieldops.sync.http import no_store_json
from fieldops.workorders import services as workorders
from fieldops.workorders.models import WorkOrder
from fieldops.workorders.views import bp


def work_order_json(wo: WorkOrder, now: dt.datetime) -> dict[str, Any]:
    """What a tablet needs to work a job offline; no resident contact details."""
    req = wo.request
    st = req.service_type
    return {
        "id": wo.id,
        "version": wo.version,
        "status": wo.status.value,
        "priority": wo.priority,
        "due_at": wo.due_at.isoformat() if wo.due_at is not None else None,
        "overdue": wo.is_overdue(now),
        "service_type": {"code": st.code, "name": st.name},
        "requires_before_photo": st.requires_before_photo,
        "requires_after_photo": st.requires_after_photo,
        "address": req.address,
        "latitude": req.latitude,
        "longitude": req.longitude,
        "description": req.description,
        "instructions": wo.instructions,
        "tracking_number": req.tracking_number,
    }


@bp.route("/api/my-work.json")
def my_work_json() -> Response:
    now = utcnow()
    orders = workorders.my_work(db.session(), current_user)
    return no_store_json(
        {
            "generated_at": now.isoformat(),
            "work_orders": [{**work_order_json(wo, now), "url": url_for("workorders.detail", work_order_id=wo.id)} for wo in orders],
        }
    )


# The sync API's OpenAPI document shows this endpoint (fieldops/sync/openapi.py).
PATHS = {
    "/api/my-work.json": {
        "get": {
            "summary": "The signed-in user's open jobs, to work offline (no resident contact details)",
            "responses": {
                "200": {
                    "description": "Soonest due first",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["generated_at", "work_orders"],
                                "properties": {
                                    "generated_at": {"type": "string", "format": "date-time"},
                                    "work_orders": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "version", "status", "service_type", "tracking_number", "url"],
                                            "properties": {
                                                "id": {"type": "integer"},
                                                "version": {"type": "integer"},
                                                "status": {"type": "string"},
                                                "priority": {"type": "integer"},
                                                "due_at": {"type": ["string", "null"], "format": "date-time"},
                                                "overdue": {"type": "boolean"},
                                                "service_type": {"type": "object"},
                                                "latitude": {"type": ["number", "null"]},
                                                "longitude": {"type": ["number", "null"]},
                                                "tracking_number": {"type": "string"},
                                                "url": {"type": "string"},
                                            },
                                        },
                                    },
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
