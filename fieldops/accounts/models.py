"""People who sign in, and the crews they work in."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fieldops.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from fieldops.catalog.models import Department
    from fieldops.districts.models import District


class Role(enum.StrEnum):
    CREW = "crew"
    OUTREACH = "outreach"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Crew(Base):
    """A team that takes work orders, usually per department and home district."""

    __tablename__ = "crew"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    active: Mapped[bool] = mapped_column(default=True)

    department: Mapped[Department] = relationship()
    district: Mapped[District | None] = relationship()
    members: Mapped[list[User]] = relationship(back_populates="crew")


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    crew_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crew.id"), index=True)
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]

    crew: Mapped[Crew | None] = relationship(back_populates="members")

    @property
    def session_token(self) -> str | None:
        """The token of the session this object was loaded for (fieldops/accounts/sessions.py); not a column."""
        return self.__dict__.get("_fieldops_session_token")

    @session_token.setter
    def session_token(self, token: str | None) -> None:
        self.__dict__["_fieldops_session_token"] = token

    def get_id(self) -> str:
        """Flask-Login's alternative token: user id and session token, so revoking the session ends the cookie."""
        return f"{self.id}:{self.session_token}" if self.session_token else str(self.id)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active

    def set_password(self, password: str) -> None:
        """Store a salted hash (scrypt) of the password, never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True if the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        """True if the user holds one of the roles; admins hold them all."""
        return self.role == Role.ADMIN or self.role in roles

    @property
    def is_supervisor(self) -> bool:
        return self.has_role(Role.SUPERVISOR)


class ThrottleScope(enum.StrEnum):
    USER_IP = "user_ip"  # one typed username from one client address
    IP = "ip"  # every username from one client address


class LoginThrottle(Base):
    """Failed sign-ins counted per (username, address) and per address; see fieldops/accounts/throttle.py.

    Rows live in the database, not in a process, so every `fieldops serve` process sees the same counts. Failures
    count until `expires_at` (the window from the first failure, stretched to the end of a pause); after that the
    row is worthless, the next failure starts from 1, and pruning may delete it.
    """

    __tablename__ = "login_throttle"

    scope: Mapped[ThrottleScope] = mapped_column(str_enum(ThrottleScope, "scope"), primary_key=True)
    # The client's address (IPv6: its /64, which one household or attacker holds as a whole).
    ip: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # Normalised as sign-in compares it (stripped, lower case); "" for the per-address row. Any username is counted,
    # accounts or not, so the answer never tells which usernames exist.
    username: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    failures: Mapped[int]
    # Sign-in from here (for this username) is refused, without checking the password, until then.
    paused_until: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class UserSession(Base):
    """One signed-in browser or tablet: revocable on the server (sign-out, sign out everywhere, password change,
    deactivation). The cookie carries a random token; only its sha256 is stored, so a database leak signs nobody in."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the user ticked "keep me signed in": the remember-me cookie works until then (and not after revocation).
    remember_until: Mapped[dt.datetime | None]
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    user: Mapped[User] = relationship()
