# Flask-Babel 4: only what fieldops uses.
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from babel import Locale
from flask import Flask

from flask_babel.speaklater import LazyString

class Babel:
    def __init__(self, app: Flask | None = None, date_formats: dict[str, Any] | None = None, configure_jinja: bool = True) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | Locale | None] | None = None,
        timezone_selector: Callable[[], str | None] | None = None,
    ) -> None: ...

def get_locale() -> Locale | None: ...
@contextmanager
def force_locale(locale: str | Locale) -> Iterator[None]: ...
def gettext(string: str, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...
def lazy_gettext(string: str, **variables: Any) -> LazyString: ...
def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyString: ...
