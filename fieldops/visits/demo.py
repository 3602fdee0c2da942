"""Demo follow-up visits: policies on the demo catalogue, visits after the demo's closed requests, a day's list for `outreach`."""

from __future__ import annotations

import datetime as dt
import math
import random
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from fieldops.accounts.models import Role, User
from fieldops.catalog.models import FollowUpPolicy, ServiceType
from fieldops.demo import BOSTON_CENTER, DemoLogin
from fieldops.servicerequests.models import RequestStatus, ServiceRequest
from fieldops.visits import services
from fieldops.visits.models import FollowUpVisit, Resolution, VisitOutcome, VisitStatus

# Potholes and sidewalks: residents walk on the repair every day, so every one is checked.
ALWAYS = ("pothole", "sidewalk")
SAMPLE_PERCENT = 30
DELAY_HOURS = 48
# The demo city is Boston (the default Settings.timezone).
ZONE = ZoneInfo("America/New_York")
# Pending visits due today: this many for `outreach` by name, and this many left for any outreach worker.
ASSIGNED_TODAY = 8
UNASSIGNED_TODAY = 4


def seed_demo(session: Session, *, rng: random.Random, now: dt.datetime) -> list[DemoLogin]:
    """Set follow-up policies, plan visits after the closed demo requests, record outcomes of the older ones."""
    for st in session.scalars(sa.select(ServiceType)):
        if st.code in ALWAYS:
            st.followup_policy = FollowUpPolicy.ALWAYS
        else:
            st.followup_policy, st.followup_sample_percent = FollowUpPolicy.SAMPLE, SAMPLE_PERCENT
        st.followup_delay_hours = DELAY_HOURS
    session.flush()
    outreach = session.scalar(sa.select(User).where(User.role == Role.OUTREACH).order_by(User.id).limit(1))
    supervisor = session.scalar(sa.select(User).where(User.role == Role.SUPERVISOR).order_by(User.id).limit(1))
    if outreach is None or supervisor is None:
        return []

    closed = session.scalars(
        sa.select(ServiceRequest)
        .where(ServiceRequest.status == RequestStatus.CLOSED, ServiceRequest.closed_at.is_not(None), ServiceRequest.closed_at <= now)
        .options(joinedload(ServiceRequest.service_type), joinedload(ServiceRequest.work_orders))
        .order_by(ServiceRequest.closed_at)
    ).unique()
    visits = [v for req in closed if (v := services.schedule_after_closure(session, req, req.closed_at or now)) is not None]

    # Due today (by the delay after closure): the nearest to the city centre make a day's round for `outreach`.
    due = [v for v in visits if now - dt.timedelta(days=2) <= v.due_at <= now]
    due.sort(key=lambda v: _distance_to_centre(v))
    today = due[: ASSIGNED_TODAY + UNASSIGNED_TODAY]
    for v in today[:ASSIGNED_TODAY]:
        v.assigned_to_id = outreach.id
    # One not-home attempt yesterday on a visit still on today's list.
    if today:
        yesterday = now - dt.timedelta(days=1)
        services.record_outcome(session, outreach, today[0], outcome=VisitOutcome.NOT_HOME, zone=ZONE, now=max(yesterday, today[0].created_at))
        today[0].due_at = min(today[0].due_at, now)

    # Everything else that is due already was visited: outcomes for the performance view.
    for v in visits:
        if v in today or v.due_at > now:
            continue
        at = min(now, v.due_at + dt.timedelta(hours=rng.uniform(1, 30)))
        _visit(session, outreach, v, at, now, rng)

    # A supervisor's hand-added visit on a recent closure, for `outreach`.
    recent = next((v.request for v in reversed(visits) if v.request.service_type.code not in ALWAYS), None)
    if recent is not None:
        services.add_visit(session, supervisor, recent, due_at=now - dt.timedelta(hours=1), assignee=outreach, now=now - dt.timedelta(hours=2))
    session.flush()
    return []


def _distance_to_centre(v: FollowUpVisit) -> float:
    lat, lon = v.request.latitude, v.request.longitude
    if lat is None or lon is None:
        return math.inf
    return math.hypot(lat - BOSTON_CENTER[0], (lon - BOSTON_CENTER[1]) * math.cos(math.radians(lat)))


def _visit(session: Session, visitor: User, v: FollowUpVisit, at: dt.datetime, now: dt.datetime, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.12:
        # Nobody home three times: the card was left.
        for i in range(services.MAX_NOT_HOME_ATTEMPTS):
            if v.status != VisitStatus.PENDING:
                break
            services.record_outcome(session, visitor, v, outcome=VisitOutcome.NOT_HOME, zone=ZONE, now=min(now, at + dt.timedelta(days=i)))
        return
    resolved = rng.choices([Resolution.YES, Resolution.PARTLY, Resolution.NO], weights=[78, 14, 8])[0]
    weights = {Resolution.YES: [2, 3, 10, 35, 50], Resolution.PARTLY: [10, 25, 40, 20, 5], Resolution.NO: [45, 30, 15, 7, 3]}[resolved]
    satisfaction = rng.choices([1, 2, 3, 4, 5], weights=weights)[0] if rng.random() < 0.9 else None
    comments = {
        Resolution.YES: rng.choice(["", "", "Quick work, thank you.", "Looks good now."]),
        Resolution.PARTLY: rng.choice(["Fixed on one side only.", "Better, but the edge is already breaking up.", "They came but left debris behind."]),
        Resolution.NO: rng.choice(["Nothing was done as far as I can see.", "It is back already after the rain.", "Wrong spot was fixed; the problem is further down the street."]),
    }[resolved]
    language = v.request.resident_language or "en"
    services.record_outcome(
        session, visitor, v, outcome=VisitOutcome.REACHED, zone=ZONE, resolved=resolved, satisfaction=satisfaction, comments=comments, language=language, now=at
    )
