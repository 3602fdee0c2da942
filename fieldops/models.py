"""Import every feature's models so the metadata is complete (Alembic, create_all, tests)."""

from fieldops.accounts.models import Crew, Role, User
from fieldops.activity.models import Activity
from fieldops.catalog.models import Department, ServiceType
from fieldops.districts.models import District
from fieldops.photos.models import Photo, PhotoKind
from fieldops.servicerequests.models import Channel, RequestStatus, ServiceRequest
from fieldops.sync.models import IdempotencyKey, SyncConflict
from fieldops.workorders.models import Priority, WorkOrder, WorkOrderStatus

__all__ = [
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
