"""Follow-up visits: the doorstep check, after the work is done, that the resident agrees it is fixed."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from fieldops.accounts.models import User
    from fieldops.servicerequests.models import ServiceRequest
    from fieldops.workorders.models import WorkOrder


class VisitStatus(enum.StrEnum):
    PENDING = "pending"  # to be visited (again, after a not-home attempt under the retry limit)
    DONE = "done"  # resident reached and answered, or the card was left after the last attempt
    CANCELLED = "cancelled"


class VisitOutcome(enum.StrEnum):
    REACHED = "reached"
    NOT_HOME = "not_home"
    LEFT_CARD = "left_card"


class Resolution(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class VisitReason(enum.StrEnum):
    POLICY = "policy"
    MANUAL = "manual"


class FollowUpVisit(Base):
    __tablename__ = "followup_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    reason: Mapped[VisitReason] = mapped_column(str_enum(VisitReason, "visit_reason"), default=VisitReason.POLICY)
    status: Mapped[VisitStatus] = mapped_column(str_enum(VisitStatus, "visit_status"), default=VisitStatus.PENDING, index=True)
    # Not before this time (closure + the service type's delay).
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[dt.datetime | None]
    outcome: Mapped[VisitOutcome | None] = mapped_column(str_enum(VisitOutcome, "visit_outcome"))
    resolved: Mapped[Resolution | None] = mapped_column(str_enum(Resolution, "resolution"))
    satisfaction: Mapped[int | None]
    comments: Mapped[str] = mapped_column(sa.Text, default="")
    # Language the conversation was held in; comments are kept as said, in that language.
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    # "No" or "partly" opens a linked follow-on request with its own SLA.
    follow_on_request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_request.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    request: Mapped[ServiceRequest] = relationship(foreign_keys=[request_id])
    work_order: Mapped[WorkOrder | None] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    follow_on_request: Mapped[ServiceRequest | None] = relationship(foreign_keys=[follow_on_request_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )
