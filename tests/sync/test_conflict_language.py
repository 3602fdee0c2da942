"""A sync conflict is stored as structure and said in each reader's language (issue #12): the 409 in the sender's,
the conflicts page, the conflicts API and the job's history in the reader's; older rows (English text) as stored."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale

from factories import PASSWORD, make_job
from fieldops.accounts.models import Role, User
from fieldops.accounts.services import create_user
from fieldops.activity import services as activity
from fieldops.activity.models import Activity
from fieldops.activity.verbs import Verb
from fieldops.sync import reasons
from fieldops.sync.models import SyncConflict
from fieldops.workorders import services as workorders
from fieldops.workorders.models import WorkOrder, WorkOrderStatus as S
from sync_helpers import wo_action

ES_ERROR = (
    "Esta orden de trabajo se reasignó a Bob Crew mientras usted estaba sin conexión; "
    "su cierre y 2 fotos se guardaron para que los revise un supervisor."
)
PT_REASON = (
    "Esta ordem de serviço foi reatribuída a Bob Crew enquanto você estava offline; "
    "seu encerramento e 2 fotos foram guardados para um supervisor revisar."
)
EN_REASON = "This work order was reassigned to Bob Crew while you were offline; your closure and 2 photos were kept for a supervisor to review."


def _speaks(session, user: User, language: str) -> None:  # type: ignore[no-untyped-def]
    session.get(User, user.id).language = language
    session.commit()


def _page(tablet, path: str) -> str:  # type: ignore[no-untyped-def]
    resp = tablet.client.get(path)
    assert resp.status_code == 200, resp.status_code
    return html.unescape(resp.get_data(as_text=True))


def test_a_spanish_crew_members_conflict_is_said_in_each_readers_language(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    job.status = S.ON_SITE
    session.commit()
    seen = job.version
    _speaks(session, city.alice, "es")
    _speaks(session, city.sam, "pt")
    create_user(session, username="eve", full_name="Eve English", password=PASSWORD, role=Role.SUPERVISOR)
    session.commit()
    alice = tablet("alice")
    photo_ids = [alice.photo("after"), alice.photo("after", color=(9, 9, 9))]
    wo = session.get(WorkOrder, job.id)
    wo.assignee_id, wo.crew_id = city.bob.id, city.crew_b.id
    session.commit()

    resp = alice.action(wo_action("close", job.id, seen, fields={"resolution": "Bache tapado"}, photo_ids=photo_ids), str(uuid.uuid4()))
    assert resp.status_code == 409, resp.get_json()
    assert resp.get_json()["error"] == ES_ERROR

    # Stored as structure, not as a sentence in anyone's language.
    session.expire_all()
    conflict = session.scalars(sa.select(SyncConflict)).one()
    assert conflict.reason.startswith(reasons.MARKER) and "Bob Crew" in conflict.reason
    assert "kept for a supervisor" not in conflict.reason and "se guardaron" not in conflict.reason
    entry = session.scalar(sa.select(Activity).where(Activity.verb == Verb.SYNC_CONFLICT.value))
    assert entry.summary == EN_REASON  # the English summary (exports)
    assert entry.detail[reasons.DETAIL_KEY]["situation"] == reasons.WO_REASSIGNED

    sam, eve = tablet("sam"), tablet("eve")
    assert PT_REASON in _page(sam, "/conflicts")
    english = _page(eve, "/conflicts")
    assert EN_REASON in english and PT_REASON not in english
    assert sam.client.get("/api/sync/conflicts").get_json()[0]["reason"] == PT_REASON
    assert eve.client.get("/api/sync/conflicts").get_json()[0]["reason"] == EN_REASON
    # The job's history line, in the reader's language.
    history = _page(sam, f"/work-orders/{job.id}")
    assert PT_REASON in history and EN_REASON not in history
    assert EN_REASON in _page(eve, f"/work-orders/{job.id}")


def test_times_are_the_city_clock_in_the_senders_language_and_photos_take_the_plural(tablet, session, city, settings) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city, service_type=city.streetlight)
    session.commit()
    seen = job.version
    _speaks(session, city.alice, "es")
    alice = tablet("alice")
    pid = alice.photo("before")
    workorders.change_status(session, city.sam, session.get(WorkOrder, job.id), S.CANCELLED, expected_version=None)
    session.commit()
    cancelled_at = session.scalar(sa.select(Activity.created_at).where(Activity.verb == "status:cancelled"))

    resp = alice.action(wo_action("status", job.id, seen, fields={"to": "on_site"}, photo_ids=[pid]), str(uuid.uuid4()))
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    local = cancelled_at.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(settings.timezone)) if cancelled_at.tzinfo is None \
        else cancelled_at.astimezone(ZoneInfo(settings.timezone))
    # Spanish writes the city's time on a 24-hour clock, without a.m./p.m.
    assert error.startswith(f"Sam Supervisor canceló esta orden de trabajo a las {local.hour}:{local:%M} mientras usted estaba sin conexión; ")
    assert error.endswith("y 1 foto se guardaron para que los revise un supervisor.")
    assert "AM" not in error and "PM" not in error and "kept" not in error


def test_describe_says_each_situation_in_each_language(app) -> None:  # type: ignore[no-untyped-def]
    zone = ZoneInfo("America/New_York")
    now = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.timezone.utc)
    earlier = dt.datetime(2026, 11, 28, 15, 12, tzinfo=dt.timezone.utc)  # 10:12 in Somerville, two days before
    by = reasons.Reason(reasons.VISIT_DONE_BY, reasons.KEPT_ANSWERS, photos=0,
                        params={"visit": 7, "status": "recorded", "at": earlier.isoformat(), "who": None})
    given = reasons.Reason(reasons.VISIT_GIVEN, reasons.KEPT_ANSWERS, photos=1, params={"visit": 7, "who": None})
    with app.test_request_context("/"):
        with force_locale("en"):
            assert reasons.describe(by, zone, now) == (
                "Someone recorded follow-up visit #7 on Nov 28 at 10:12\u202fAM, while you were offline; "
                "your answers were kept for a supervisor to review."
            )
            assert reasons.describe(given, zone, now) == (
                "Follow-up visit #7 was given to someone else while you were offline; "
                "your answers and 1 photo were kept for a supervisor to review."
            )
        with force_locale("pt"):
            said = reasons.describe(by, zone, now)
            assert said.startswith("Alguém registrou a visita de acompanhamento nº 7 em 28 de nov") and "10:12" in said
            assert said.endswith("suas respostas foram guardadas para um supervisor revisar.")
        with force_locale("ht"):
            assert reasons.describe(given, zone, now) == (
                "Yo bay yon lòt moun vizit swivi #7 pandan ou te san koneksyon; "
                "yo kenbe repons ou yo ak 1 foto pou yon sipèvizè revize yo."
            )
    # What cannot be read is shown as stored.
    assert reasons.describe_stored("An older row's sentence.", zone) == "An older row's sentence."
    assert reasons.parse(reasons.stored(given)) == given


def test_an_older_english_row_still_shows_as_stored(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    job = make_job(session, city)
    session.commit()
    old = "Sam Supervisor completed this work order at 10:12 while you were offline; your closure was kept for a supervisor to review."
    session.add(SyncConflict(key=str(uuid.uuid4()), user_id=city.alice.id, work_order_id=job.id, kind="close",
                             payload_json="{}", reason=old))
    activity.record(session, request_id=job.request_id, work_order_id=job.id, actor=city.alice, verb=Verb.SYNC_CONFLICT,
                    params={"reason": old}, detail={"kind": "close"})
    session.commit()
    _speaks(session, city.sam, "pt")
    sam = tablet("sam")
    assert old in _page(sam, "/conflicts")
    assert old in _page(sam, f"/work-orders/{job.id}")
    assert sam.client.get("/api/sync/conflicts").get_json()[0]["reason"] == old


def test_a_refused_kind_is_refused_in_the_senders_language(tablet, session, city) -> None:  # type: ignore[no-untyped-def]
    _speaks(session, city.alice, "es")
    alice = tablet("alice")
    body = {"kind": "visit", "fields": {"visit_id": 1, "outcome": "reached", "resolved": "yes"}}
    resp = alice.action(body, str(uuid.uuid4()))
    assert resp.status_code == 403
    assert resp.get_json()["error"] == "Las visitas de seguimiento las registran los agentes comunitarios y los supervisores."
    _speaks(session, city.alice, "ht")
    resp = tablet("alice").action(body, str(uuid.uuid4()))
    assert resp.get_json()["error"] == "Se anplwaye kominotè yo ak sipèvizè yo ki anrejistre vizit swivi yo."


def test_a_reason_this_version_cannot_say_is_shown_by_its_code(app) -> None:  # type: ignore[no-untyped-def]
    newer = reasons.Reason("wo_split", reasons.KEPT_CLOSURE)
    with app.test_request_context("/"), force_locale("es"):
        assert reasons.describe(newer, ZoneInfo("America/New_York")) == "wo_split"
        stored = reasons.stored(newer)
        assert reasons.describe_stored(stored, ZoneInfo("America/New_York")) == "wo_split"
        # A marked text that is not a Reason is shown as stored.
        assert reasons.describe_stored(reasons.MARKER + "{broken", ZoneInfo("America/New_York")) == reasons.MARKER + "{broken"


def test_refusals_are_lazily_translated(app) -> None:  # type: ignore[no-untyped-def]
    from fieldops.sync.registry import OutboxKind, registered_kinds

    plain = OutboxKind(name="x", fields_schema={}, handler=lambda ctx, action: (200, {}))
    with app.test_request_context("/"):
        kinds = registered_kinds(app)
        with force_locale("es"):
            assert str(plain.refusal) == "No puede enviar este tipo de cambio."
            assert str(kinds["request"].refusal) == "No puede registrar solicitudes."
        with force_locale("pt"):
            assert str(kinds["request"].refusal) == "Você não pode registrar solicitações."
        with force_locale("en"):
            assert str(kinds["visit"].refusal) == "Follow-up visits are recorded by outreach staff and supervisors."
