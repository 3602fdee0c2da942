"""The demo city's follow-up visits: policies, a day's round for `outreach`, outcomes and follow-ons."""

from __future__ import annotations

import sqlalchemy as sa

from fieldops.accounts.models import User
from fieldops.catalog.models import FollowUpPolicy, ServiceType
from fieldops.db import utcnow
from fieldops.demo import DEMO_PASSWORD, load_demo
from fieldops.servicerequests.models import ServiceRequest
from fieldops.visits import services as visits
from fieldops.visits.models import FollowUpVisit, VisitOutcome, VisitStatus
from helpers import login


def test_demo_has_policies_a_days_visits_and_their_outcomes(session, client) -> None:  # type: ignore[no-untyped-def]
    load_demo(session)
    session.commit()
    policies = {code: policy for code, policy in session.execute(sa.select(ServiceType.code, ServiceType.followup_policy))}
    assert policies["pothole"] == policies["sidewalk"] == FollowUpPolicy.ALWAYS
    assert {p for code, p in policies.items() if code not in ("pothole", "sidewalk")} == {FollowUpPolicy.SAMPLE}

    outreach = session.scalar(sa.select(User).where(User.username == "outreach"))
    today = visits.my_visits(session, outreach, due_before=utcnow())
    assert 8 <= len(today) <= 20
    assert sum(v.assigned_to_id == outreach.id for v in today) >= 8
    assert any(v.attempts == 1 and v.outcome == VisitOutcome.NOT_HOME for v in today)  # tried yesterday

    done = session.scalars(sa.select(FollowUpVisit).where(FollowUpVisit.status == VisitStatus.DONE)).all()
    assert len(done) > 50
    assert {v.outcome for v in done} == {VisitOutcome.REACHED, VisitOutcome.LEFT_CARD}
    follow_ons = [v for v in done if v.follow_on_request_id is not None]
    children = session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest).where(ServiceRequest.parent_id.is_not(None)))
    assert children == len(follow_ons)  # every follow-on is a visit's, and each visit opened at most one
    assert follow_ons and all(session.get(ServiceRequest, v.follow_on_request_id).parent_id == v.request_id for v in follow_ons)
    # At most one policy visit per request.
    per_request = session.execute(
        sa.select(FollowUpVisit.request_id, sa.func.count()).where(FollowUpVisit.reason == "policy").group_by(FollowUpVisit.request_id)
    ).all()
    assert max(n for _, n in per_request) == 1

    login(client, "outreach", DEMO_PASSWORD)
    html = client.get("/visits").get_data(as_text=True)
    assert "Suggested order:" in html and '"fieldops:route"' in html
