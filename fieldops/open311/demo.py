"""Demo data for Open311: service definitions with questions, a client key, requests that came in through it."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fieldops.catalog.models import AttributeType, ServiceAttribute, ServiceType
from fieldops.demo import DemoLogin
from fieldops.open311 import keys
from fieldops.open311.models import ApiKey

DEMO_KEY = "fo311_fieldops-demo-key"

# Questions for demo service types that have none yet (another feature's demo may already have added some).
DEMO_ATTRIBUTES: dict[str, list[dict[str, object]]] = {
    "pothole": [
        {"code": "WHERE", "datatype": AttributeType.SINGLEVALUELIST, "required": True, "description": "Where is the pothole?",
         "values": [{"key": "street", "name": "In the street"}, {"key": "crosswalk", "name": "In a crosswalk"}, {"key": "bike_lane", "name": "In a bike lane"}]},
        {"code": "SIZE_IN", "datatype": AttributeType.NUMBER, "description": "About how wide is it, in inches?", "datatype_description": "A number, e.g. 12"},
        {"code": "NOTICE", "datatype": AttributeType.STRING, "variable": False, "description": "If a pothole has damaged your car, file a claim with the City Clerk."},
    ],
    "streetlight": [
        {"code": "PROBLEM", "datatype": AttributeType.MULTIVALUELIST, "required": True, "description": "What is wrong with the light?",
         "values": [{"key": "out", "name": "Out"}, {"key": "flickering", "name": "Flickering"}, {"key": "day_burning", "name": "On during the day"}, {"key": "pole_damaged", "name": "Pole damaged"}]},
        {"code": "POLE_NUMBER", "datatype": AttributeType.STRING, "description": "Number on the pole, if you can see one"},
        {"code": "NOTICED", "datatype": AttributeType.DATETIME, "description": "When did you first notice it?"},
        {"code": "DETAILS", "datatype": AttributeType.TEXT, "description": "Anything else the crew should know"},
    ],
}


def seed_demo(session: Session, *, rng: random.Random, now: dt.datetime) -> list[DemoLogin]:
    """Add service definitions and the demo Open311 client key (DEMO_KEY)."""
    for code, questions in DEMO_ATTRIBUTES.items():
        st = session.scalar(sa.select(ServiceType).where(ServiceType.code == code))
        if st is None or st.attributes:
            continue
        for order, question in enumerate(questions, start=1):
            st.attributes.append(ServiceAttribute(order=order, **question))
    # A well-known key, like the demo passwords: the demo is for trying things out, never for real residents.
    session.add(
        ApiKey(
            name="Demo 311 app",
            contact="open311@example.org",
            prefix=DEMO_KEY[: keys.SHOWN_CHARS],
            key_hash=keys.hash_key(DEMO_KEY),
            rate_limit_per_minute=600,
            created_at=now,
        )
    )
    session.flush()
    return []
