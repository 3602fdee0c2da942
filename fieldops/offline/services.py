"""What a tablet must hold to work a whole day without signal."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.accounts.models import Role, User
from fieldops.photos.models import Photo
from fieldops.workorders import services as workorders


@dataclass(frozen=True)
class OfflineManifest:
    """Same-origin URLs to keep: pages (for navigation) and data (JSON, photos)."""

    pages: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)


def offline_manifest(session: Session, user: User, *, max_jobs: int = 200) -> OfflineManifest:
    """The user's day: their list, each open job's page and photos, the intake form, catalogue and districts."""
    pages = ["/requests/new"]
    data = ["/api/districts.geojson", "/api/catalog.json"]
    jobs = []
    if user.role == Role.CREW:
        pages.insert(0, "/my-work")
        data.append("/api/my-work.json")
        jobs = workorders.my_work(session, user)[:max_jobs]
    elif user.has_role(Role.SUPERVISOR):
        pages.insert(0, "/work-orders")
    pages += [f"/work-orders/{wo.id}" for wo in jobs]
    # Follow-up visitors (outreach staff, supervisors): 'My visits' and each visit page of the day.
    from fieldops.visits.services import offline_pages as visit_pages

    pages += visit_pages(session, user)
    # Outreach: today's events (check in offline) and the open requests the intake checks duplicates against.
    from fieldops.outreach.services import offline_pages as outreach_pages

    pages += outreach_pages(session, user)
    data.append("/api/requests/open.json")
    if jobs:
        photo_ids = session.scalars(sa.select(Photo.id).where(Photo.work_order_id.in_([wo.id for wo in jobs])).order_by(Photo.created_at))
        data += [f"/photos/{pid}/thumb" for pid in photo_ids]
    return OfflineManifest(pages=pages, data=data)
