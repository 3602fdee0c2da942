"""Demo: a mobile-311 table in Nubian Square (Roxbury) happening now, staffed by the `outreach` user, with requests
taken in four languages and one report added to an open request nearby; one event tomorrow and one last week."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.catalog.models import ServiceType
from fieldops.demo import DemoLogin
from fieldops.districts.services import DistrictIndex
from fieldops.outreach import services
from fieldops.outreach.duplicates import find_duplicates
from fieldops.outreach.intake import log_request
from fieldops.servicerequests.models import Channel

NUBIAN_SQUARE = (42.3293, -71.0839)
EAST_BOSTON = (42.3751, -71.0389)
DORCHESTER = (42.2997, -71.0613)
# (type, metres north, metres east, resident language, description as the resident said it)
REPORTS = [
    ("streetlight", 60, -40, "es", "La luz de la esquina está apagada desde hace una semana."),
    ("litter-basket", -30, 25, "en", "Basket by the bus stop overflowing every morning."),
    ("pothole", 120, 80, "pt", "Buraco grande na faixa de pedestres, perigoso para as crianças."),
    ("rodent", -80, -60, "ht", "Gen anpil rat dèyè bilding lan, sitou nan aswè."),
    ("graffiti", 40, 140, "en", "Tags on the side of the laundromat."),
    ("streetlight", -150, 30, "ht", "Limyè lari a ap limen epi etenn tout lannwit."),
]


def _offset(point: tuple[float, float], north: float, east: float) -> tuple[float, float]:
    import math

    return point[0] + north / 111_195.0, point[1] + east / (111_195.0 * math.cos(math.radians(point[0])))


def seed_demo(session: Session, *, rng: random.Random, now: dt.datetime) -> list[DemoLogin]:
    """Add the outreach events and the requests logged at today's."""
    outreach = session.scalar(sa.select(User).where(User.username == "outreach"))
    if outreach is None:
        return []
    index = DistrictIndex.load(session, kind="ward")
    today = services.create_event(
        session, outreach, name="Mobile 311 table at Nubian Square", place="Nubian Square bus plaza, Washington St",
        latitude=NUBIAN_SQUARE[0], longitude=NUBIAN_SQUARE[1], starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3),
        notes="Bring the Haitian Creole and Spanish flyers.", district_index=index,
    )
    services.create_event(
        session, outreach, name="Coffee hour at East Boston library", place="East Boston Branch Library, 365 Bremen St",
        latitude=EAST_BOSTON[0], longitude=EAST_BOSTON[1], starts_at=now + dt.timedelta(days=1), ends_at=now + dt.timedelta(days=1, hours=2),
        district_index=index,
    )
    last_week = services.create_event(
        session, outreach, name="Fields Corner farmers market", place="Fields Corner, Dorchester Ave",
        latitude=DORCHESTER[0], longitude=DORCHESTER[1], starts_at=now - dt.timedelta(days=6, hours=3), ends_at=now - dt.timedelta(days=6),
        district_index=index,
    )
    last_week.residents_met = 23
    services.check_in(session, outreach, today, at=now - dt.timedelta(minutes=55))
    types = {t.code: t for t in session.scalars(sa.select(ServiceType))}
    for n, (code, north, east, language, text) in enumerate(REPORTS):
        lat, lon = _offset(NUBIAN_SQUARE, north, east)
        log_request(
            session, outreach, service_type=types[code], channel=Channel.OUTREACH, event=today, at=now - dt.timedelta(minutes=50 - 7 * n),
            latitude=lat, longitude=lon, description=text, description_language=language, resident_language=language,
            resident_name=rng.choice(["", "A. Pierre", "M. Santos", "J. Rivera"]), contact_consent=rng.random() < 0.6,
        )
    # A resident reporting a light already reported nearby: staff add it to the open request.
    lat, lon = _offset(NUBIAN_SQUARE, 55, -35)
    found = find_duplicates(session, types["streetlight"], lat, lon, now=now)
    if found:
        log_request(session, outreach, service_type=types["streetlight"], channel=Channel.OUTREACH, event=today, latitude=lat, longitude=lon,
                    duplicate_of=found[0].request.tracking_number, resident_language="es", at=now - dt.timedelta(minutes=5))
    today.residents_met = 14
    session.flush()
    return []
