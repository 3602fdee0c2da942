"""`fieldops photos prune-staged`: staged photos never attached go after a while; attached ones never do."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from factories import make_job
from fieldops.db import utcnow
from fieldops.photos import services as photos
from fieldops.photos.cli import prune_staged
from fieldops.photos.models import Photo, PhotoKind
from imagefactory import make_jpeg


def _stage(session, settings, user, *, days_old: float, color=(200, 60, 40)) -> Photo:  # type: ignore[no-untyped-def]
    photo, _ = photos.stage_photo(session, settings, user, photo_id=None, raw=make_jpeg(width=320, height=240, color=color), kind=PhotoKind.AFTER)
    photo.created_at = utcnow() - dt.timedelta(days=days_old)
    session.flush()
    return photo


def test_prune_deletes_old_staged_photos_and_their_files_only(app, session, settings, city) -> None:  # type: ignore[no-untyped-def]
    storage = photos.photo_storage(settings)
    old = _stage(session, settings, city.alice, days_old=8, color=(10, 10, 10))
    new = _stage(session, settings, city.alice, days_old=1, color=(20, 20, 20))
    attached = _stage(session, settings, city.alice, days_old=30, color=(30, 30, 30))
    wo = make_job(session, city)
    photos.attach_photos(session, city.alice, [attached.id], request_id=wo.request_id, work_order=wo)
    session.commit()
    old_id, old_keys = old.id, (old.storage_key, old.thumbnail_key)
    expected_bytes = sum(storage.size(k) for k in old_keys)

    dry = app.test_cli_runner().invoke(prune_staged, ["--older-than", "7d", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would delete 1 staged photos older than 7d" in dry.output and f"{expected_bytes} bytes" in dry.output
    assert all(storage.exists(k) for k in old_keys)
    session.expire_all()
    assert session.get(Photo, old_id) is not None

    result = app.test_cli_runner().invoke(prune_staged, ["--older-than", "7d"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 staged photos older than 7d" in result.output and f"{expected_bytes} bytes" in result.output
    session.expire_all()
    assert session.get(Photo, old_id) is None
    assert not any(storage.exists(k) for k in old_keys)
    remaining = set(session.scalars(sa.select(Photo.id)))
    assert remaining == {new.id, attached.id}
    assert all(storage.exists(k) for p in (new, attached) for k in (p.storage_key, p.thumbnail_key))


def test_prune_age_is_configurable_and_bad_ages_are_refused(app, session, settings, city) -> None:  # type: ignore[no-untyped-def]
    _stage(session, settings, city.alice, days_old=2)
    session.commit()
    runner = app.test_cli_runner()
    assert "Deleted 0 staged photos" in runner.invoke(prune_staged, ["--older-than", "3d"]).output
    assert "Deleted 1 staged photos" in runner.invoke(prune_staged, ["--older-than", "36h"]).output
    bad = runner.invoke(prune_staged, ["--older-than", "a week"])
    assert bad.exit_code != 0 and "7d" in bad.output
