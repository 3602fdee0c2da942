"""History lines are written once, in English, and read in each reader's language.

record() keeps a summary template's parameters with the entry; describe() (the `history_line` filter) renders the
verb's template in the page's language, translating vocabulary (service types, channels, statuses) but never what
a person typed. Rows written before parameters existed show their stored summary.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from flask_babel import force_locale

from factories import make_job, make_parks, make_untriaged
from fieldops.activity import services as activity
from fieldops.activity import verbs
from fieldops.activity.models import Activity
from fieldops.activity.verbs import REGISTRY, Verb
from fieldops.dispatch.services import merge_requests, transfer_request
from fieldops.i18n import LANGUAGES, TRANSLATIONS_DIR
from fieldops.outreach.duplicates import join_as_duplicate
from fieldops.photos.models import PhotoKind
from fieldops.servicerequests.services import set_public_description
from fieldops.workorders.sync import add_note
from fieldops.workorders import services as workorders
from fieldops.workorders.models import WorkOrderStatus as S
from helpers import login

ROOT = Path(__file__).resolve().parents[2] / "fieldops"
OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Typed by a crew member: shown as typed in every language.
NOTE = "Gate locked at 5 Elm St, will come back Tuesday"


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=code)


def _tr(catalog, msgid: str) -> str:  # type: ignore[no-untyped-def]
    message = catalog.get(msgid)
    assert message is not None and message.string and not message.fuzzy, f"no translation of {msgid!r}"
    return str(message.string)


def _lines(page: str) -> list[str]:
    section = page[page.index('id="history"') :]
    section = section[: section.index("</ol>")]
    return [html.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)]


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_staff_read_the_history_in_their_language(app, session, city, code: str) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)  # "Pothole reported via phone", then the work order for Alice
    workorders.change_status(session, city.alice, wo, S.EN_ROUTE, expected_version=None)
    add_note(session, city.alice, wo, NOTE)
    session.commit()
    cat = _catalog(code)
    reported = _tr(cat, "%(service)s reported via %(channel)s") % {"service": _tr(cat, "Pothole"), "channel": _tr(cat, "phone")}
    moved = _tr(cat, "%(from_status)s → %(to_status)s") % {"from_status": _tr(cat, "Assigned"), "to_status": _tr(cat, "En route")}
    created = _tr(cat, "Work order #%(work_order)s created, assigned to %(holder)s") % {"work_order": wo.id, "holder": "Alice Crew"}

    staff = app.test_client()
    login(staff, "sam")
    for url in (f"/requests/{wo.request_id}?lang={code}", f"/work-orders/{wo.id}?lang={code}"):
        page = staff.get(url)
        assert page.status_code == 200, url
        text = "\n".join(_lines(page.get_data(as_text=True)))
        assert reported in text and moved in text and created in text, url
        # The English stays in the database (exports, Open311), not on the page.
        assert "Pothole reported via phone" not in text and "Assigned → En route" not in text, url
        assert NOTE in text, url  # typed text, as typed
    stored = session.scalars(sa.select(Activity.summary).where(Activity.request_id == wo.request_id).order_by(Activity.id)).all()
    assert stored == ["Pothole reported via phone", f"Work order #{wo.id} created, assigned to Alice Crew", "Assigned → En route", NOTE]

    # The same page in English reads as before.
    english = "\n".join(_lines(staff.get(f"/requests/{wo.request_id}?lang=en").get_data(as_text=True)))
    assert "Pothole reported via phone" in english and "Assigned → En route" in english


def test_rows_written_before_parameters_show_their_stored_summary(app, session, city) -> None:  # type: ignore[no-untyped-def]
    wo = make_job(session, city)
    session.add(Activity(request_id=wo.request_id, work_order_id=wo.id, actor_id=city.alice.id, verb="status:en_route", summary="Assigned → En route (old row)", detail_json='{"from": "assigned", "to": "en_route"}'))
    session.add(Activity(request_id=wo.request_id, actor_id=city.sam.id, verb="request:duplicate", summary="Legacy duplicate words", detail_json="{}"))
    session.commit()
    staff = app.test_client()
    login(staff, "sam")
    text = "\n".join(_lines(staff.get(f"/requests/{wo.request_id}?lang=es").get_data(as_text=True)))
    assert "Assigned → En route (old row)" in text and "Legacy duplicate words" in text
    assert "Bache reportado por teléfono" in text  # the new rows beside them are in Spanish


def test_record_refuses_parameters_that_fit_no_template(session, city) -> None:  # type: ignore[no-untyped-def]
    req = make_untriaged(session, city)
    with pytest.raises(ValueError, match="service"):
        activity.record(session, request_id=req.id, actor=city.sam, verb=Verb.REQUEST_CREATED, params={"channel": "phone"})
    with pytest.raises(ValueError):  # one too many is as wrong as one missing
        activity.record(session, request_id=req.id, actor=city.sam, verb=Verb.NOTE, params={"text": "x", "extra": "y"})
    with pytest.raises(ValueError):  # legacy verbs are read, never written
        activity.record(session, request_id=req.id, actor=city.sam, verb=Verb.LEGACY_REQUEST_DUPLICATE, params={})
    with pytest.raises(ValueError):
        activity.record(session, request_id=req.id, actor=city.sam, verb=Verb.NOTE, params={"text": "x"}, detail={"params": {}})


def test_every_written_verb_has_templates_translated_with_the_same_placeholders() -> None:
    catalogs = {code: _catalog(code) for code in OTHER_LANGUAGES}
    for verb, entry in REGISTRY.items():
        if verb in verbs.LEGACY:
            assert entry.summaries == (), verb
            continue
        assert entry.summaries, f"{verb.value} has no summary template"
        keys = [s.keys for s in entry.summaries]
        assert len(set(keys)) == len(keys), f"{verb.value}: two templates take the same parameters"
        for template in entry.summaries:
            assert template.vocab <= template.keys, verb
            for code, cat in catalogs.items():
                translated = _tr(cat, template.msgid)
                assert set(PLACEHOLDER.findall(translated)) == template.keys, (code, template.msgid)
    for phrase in verbs.PHRASES:
        for code, cat in catalogs.items():
            _tr(cat, str(phrase._args[0]))


def _every_verb_scenario(session, city) -> int:  # type: ignore[no-untyped-def]
    """Real flows that write most verbs; returns the request whose history holds the most of them."""
    parks = make_parks(session)
    wo = make_job(session, city, service_type=city.streetlight)
    workorders.reassign(session, city.sam, wo, city.crew_b, city.bob)
    workorders.change_status(session, city.bob, wo, S.EN_ROUTE, expected_version=None)
    workorders.change_status(session, city.bob, wo, S.ON_SITE, expected_version=None)
    workorders.change_status(session, city.bob, wo, S.COMPLETED, expected_version=None, resolution="Replaced the lamp")
    other = make_job(session, city, service_type=city.streetlight)
    workorders.change_status(session, city.alice, other, S.UNABLE, expected_version=None, reason="Pole behind a locked fence")
    add_note(session, city.alice, other, NOTE)
    set_public_description(session, city.sam, other.request, "Street light out on Elm St")
    set_public_description(session, city.sam, other.request, "")
    dup = make_job(session, city)
    merge_requests(session, city.sam, dup.request, wo.request)
    join_as_duplicate(session, city.olga, make_untriaged(session, city), wo.request)
    moved = make_job(session, city)
    transfer_request(session, city.sam, moved.request, department=parks.dept, service_type=parks.tree, reason="Tree roots lifted the road")
    session.flush()
    return wo.request_id


def test_every_recorded_entry_renders_in_every_language(app, session, city) -> None:  # type: ignore[no-untyped-def]
    _every_verb_scenario(session, city)
    entries = session.scalars(sa.select(Activity)).all()
    seen = {e.verb for e in entries}
    assert {
        "request:created", "request:public_text", "request:transferred", "request:merged", "request:duplicate_merged",
        "workorder:created", "workorder:reassigned", "status:en_route", "status:on_site", "status:completed",
        "status:unable_to_complete", "status:cancelled", "note",
    } <= seen
    for entry in entries:
        assert entry.params is not None, entry.verb
        template = verbs.info(entry.verb).summary_for(entry.params)
        assert template is not None, entry.verb
        for code in LANGUAGES:
            with force_locale(code):
                line = activity.describe(entry)
            # describe() falls back to English on a broken translation; render() would raise instead.
            with force_locale(code):
                assert activity.render(template, entry.params) == line
            if code == "en":
                assert line == entry.summary
        with force_locale("es"):
            if entry.verb == "note":
                assert activity.describe(entry) == NOTE
            if entry.verb == "status:unable_to_complete":
                assert activity.describe(entry) == "Asignada → No se pudo completar: Pole behind a locked fence"


def test_every_template_renders_from_parameters_in_every_language(app) -> None:  # type: ignore[no-untyped-def]
    # Covers the verbs the scenario above does not reach (photos, visits, sync, SLA, imports).
    for entry in REGISTRY.values():
        for template in entry.summaries:
            params = {k: f"<{k}>" for k in template.keys}
            for code in LANGUAGES:
                with force_locale(code):
                    line = activity.render(template, params)
                assert all(f"<{k}>" in line for k in template.keys - template.vocab), (code, template.msgid)


def _verb_references() -> set[str]:
    """Verbs the code writes by name (Verb.X), outside the registry itself."""
    names: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if path.parts[-2:] == ("activity", "verbs.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Verb":
                names.add(node.attr)
    return names


def test_every_registered_verb_is_written_somewhere() -> None:
    # Work order statuses and photo kinds are written as f"status:{to}" / f"photo:{kind}": the ones that can happen.
    reachable_status = {f"status:{s.value}" for s in workorders.TRANSITIONS_TO if workorders.TRANSITIONS_TO[s]} | {"status:cancelled"}
    dynamic = reachable_status | {f"photo:{k.value}" for k in PhotoKind}
    named = {Verb[name].value for name in _verb_references() if name in Verb.__members__}
    unwritten = {v.value for v in Verb if v not in verbs.LEGACY} - named - dynamic
    assert unwritten == set()
    # And every status verb in the registry can be reached by some transition.
    assert {v.value for v in Verb if v.value.startswith("status:")} == reachable_status
