"""Import every feature's models so the metadata is complete (Alembic, create_all, tests)."""

from fieldops.accounts.models import Crew, Role, User
from fieldops.activity.models import Activity
from fieldops.catalog.models import BusinessCalendar, Department, Holiday, ServiceAttribute, ServiceType
from fieldops.districts.models import District
from fieldops.open311.models import ApiKey
from fieldops.outreach.models import EventCheckin, OutreachEvent
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.sync.models import IdempotencyKey, SyncConflict
from fieldops.visits.models import FollowUpVisit
from fieldops.workorders.models import Priority, WorkOrder, WorkOrderStatus
import fieldops.performance.models  # noqa: F401,E402  (indexes on service_request for the performance view)

__all__ = [
    "ApiKey",
    "BusinessCalendar",
    "EventCheckin",
    "FollowUpVisit",
    "Holiday",
    "OutreachEvent",
    "ServiceAttribute",
    "Activity",
    "Channel",
    "Crew",
    "Department",
    "District",
    "IdempotencyKey",
    "Photo",
    "PhotoKind",
    "Priority",
    "RequestStatus",
    "Role",
    "ServiceRequest",
    "ServiceType",
    "SyncConflict",
    "User",
    "WorkOrder",
    "WorkOrderStatus",
]
