# Flask-Login 0.6: only what fieldops uses.
import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from blinker import NamedSignal
from flask import Flask
from werkzeug.wrappers import Response

_UserLoader = TypeVar("_UserLoader", bound=Callable[[str], Any])

# Whatever the user loader returned, or the anonymous user: Flask-Login cannot know the application's user class.
current_user: Any

class UserMixin:
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> str: ...

class AnonymousUserMixin:
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> None: ...

class LoginManager:
    login_view: str | None
    login_message: str
    session_protection: str | None
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    def user_loader(self, callback: _UserLoader) -> _UserLoader: ...
    def unauthorized(self) -> Response: ...

def login_user(
    user: Any, remember: bool = False, duration: dt.timedelta | None = None, force: bool = False, fresh: bool = True
) -> bool: ...
def logout_user() -> bool: ...

user_logged_in: NamedSignal
user_logged_out: NamedSignal
user_loaded_from_cookie: NamedSignal
