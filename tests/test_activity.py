import pytest

from fieldops.activity.models import Activity
from fieldops.activity.services import AppendOnlyViolation, history
from factories import make_job


def test_history_records_who_did_what(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    verbs = [(a.verb, a.actor_id) for a in history(session, wo.request_id)]
    assert verbs == [("request:created", city.sam.id), ("workorder:created", city.sam.id)]


def test_history_cannot_be_edited_or_deleted(session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.commit()
    entry = session.query(Activity).filter_by(request_id=wo.request_id).first()
    entry.summary = "rewritten"
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()
    session.delete(session.get(Activity, entry.id))
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()
