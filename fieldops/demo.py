"""Demo data: each feature registers its demo loader from its `init_app`; `load_demo` runs them in order.

The first loader (workorders' `seed_city`) builds the demo city, real 2015 Boston 311 requests on real Boston wards
moved to the recent past; the others add what their feature shows on top of it. No feature is named here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from fieldops.accounts.models import User
from fieldops.db import utcnow

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "fieldops-demo"
BOSTON_CENTER = (42.3320, -71.0750)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    description: str


DemoLoader = Callable[..., list[DemoLogin]]
"""`loader(session, *, rng: random.Random, now: datetime) -> list[DemoLogin]`: adds its rows (flushes, never
commits) and returns the sign-ins it made. All loaders share one seeded `rng`, so the demo is the same every time."""


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    load: DemoLoader
    # Lines `fieldops demo` prints after the logins (e.g. an API key), whether or not it loaded anything.
    notes: tuple[str, ...] = ()


EXTENSION_KEY = "fieldops.demo_loaders"


def register_demo_loader(app: Flask, name: str, load: DemoLoader, *, order: int, notes: tuple[str, ...] = ()) -> None:
    """Add a feature's demo loader to the app (from the feature's `init_app`); loaders run by ascending `order`.
    Registering the same name again replaces it."""
    steps: dict[str, DemoStep] = app.extensions.setdefault(EXTENSION_KEY, {})
    steps[name] = DemoStep(name=name, order=order, load=load, notes=notes)


def demo_steps(app: Flask | None = None) -> list[DemoStep]:
    """The app's demo loaders in the order they run."""
    app = app or current_app
    steps: dict[str, DemoStep] = app.extensions.get(EXTENSION_KEY, {})
    return sorted(steps.values(), key=lambda step: (step.order, step.name))


def demo_notes(app: Flask | None = None) -> list[str]:
    return [note for step in demo_steps(app) for note in step.notes]


def load_demo(session: Session, *, seed: int = 311, now: dt.datetime | None = None) -> list[DemoLogin]:
    """Fill an empty database with the demo city and every feature's demo; refuses a database that has users."""
    if session.scalar(sa.select(sa.func.count()).select_from(User)):
        raise RuntimeError("the database already has users; the demo loads only into an empty database")
    now = now or utcnow()
    rng = random.Random(seed)
    logins: list[DemoLogin] = []
    for step in demo_steps():
        logins += step.load(session, rng=rng, now=now)
        session.flush()
    return logins
