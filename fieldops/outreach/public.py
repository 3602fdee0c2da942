"""What anyone holding a tracking number may see: the public status of a request, with nobody's personal data.

Shown: the service type, open/closed, when it was reported, last changed and closed, the district (ward),
the moderated public description, the public closure note, and a timeline built from the history's verbs only
(never its free-text summaries, which can name staff or residents). Not shown: the resident's name, phone,
email, device, their own words (ServiceRequest.description, which may identify them), visit comments, the exact
address or point, staff and crew names.

A request of a private service type (e.g. a rodent complaint inside a home) shows only its service group,
open/closed and its dates: its type, area, department and history could point at the household.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from fieldops.activity import verbs
from fieldops.catalog import texts
from fieldops.activity.models import Activity
from fieldops.outreach.duplicates import request_by_tracking
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.servicerequests.services import root_request

# The status page's steps come from the verb registry; "Closed" is added for a request closed without a verb
# that says so (imports, older data).
CLOSED_STEP = _l("Closed")


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class PublicStatus:
    """A request as the public status page shows it."""

    tracking_number: str
    service_name: str
    department_name: str
    is_open: bool
    reported_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    district_name: str | None
    closure_note: str
    reports: int
    public_description: str = ""
    # A private service type: only service_name (its group), is_open and the dates are filled in.
    private: bool = False
    # Set when this report was added to another request: the number to follow instead.
    follow_tracking_number: str | None = None
    steps: list[Step] = field(default_factory=list)


def public_status(session: Session, tracking_number: str) -> PublicStatus:
    """The public view of a request by tracking number (NotFound if there is none)."""
    req = request_by_tracking(session, tracking_number)
    if req.service_type.private:
        return PublicStatus(
            tracking_number=req.tracking_number,
            service_name=texts.type_group(req.service_type),
            department_name="",
            is_open=req.status == RequestStatus.OPEN,
            reported_at=req.created_at,
            updated_at=req.updated_at,
            closed_at=req.closed_at,
            district_name=None,
            closure_note="",
            reports=1,
            private=True,
        )
    follow = root_request(req) if req.duplicate_of_id is not None else None
    steps = _steps(session, req)
    reports = 1 + (
        session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.duplicate_of_id == req.id)) or 0
    )
    note = req.closure_reason if req.status == RequestStatus.CLOSED and follow is None else ""
    return PublicStatus(
        tracking_number=req.tracking_number,
        service_name=texts.type_name(req.service_type),
        department_name=req.department.name if req.department is not None else req.service_type.department.name,
        is_open=req.status == RequestStatus.OPEN,
        reported_at=req.created_at,
        updated_at=max([req.updated_at, *(s.at for s in steps)]),
        closed_at=req.closed_at,
        district_name=req.district.name if req.district is not None else None,
        closure_note=note,
        reports=reports,
        public_description=req.public_description,
        follow_tracking_number=follow.tracking_number if follow is not None else None,
        steps=steps,
    )


def _steps(session: Session, req: ServiceRequest) -> list[Step]:
    shown = verbs.status_page_verbs()
    entries = session.execute(
        sa.select(Activity.verb, Activity.created_at)
        .where(Activity.request_id == req.id, Activity.verb.in_(list(shown)))
        .order_by(Activity.created_at, Activity.id)
    ).all()
    steps = [Step(at, str(shown[verb])) for verb, at in entries]
    if req.status == RequestStatus.CLOSED and req.closed_at is not None and not any(v in verbs.DUPLICATE_CLOSURES for v, _ in entries):
        steps.append(Step(req.closed_at, str(CLOSED_STEP)))
    return steps
