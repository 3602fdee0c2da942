from typing import TypeVar

from flask import Flask
from werkzeug.exceptions import BadRequest

_Exempted = TypeVar("_Exempted")

class CSRFError(BadRequest):
    description: str

class CSRFProtect:
    def __init__(self, app: Flask | None = None) -> None: ...
    def init_app(self, app: Flask) -> None: ...
    # A view function, a blueprint or a dotted view name; returned unchanged.
    def exempt(self, view: _Exempted) -> _Exempted: ...

def generate_csrf(secret_key: str | None = None, token_key: str | None = None) -> str: ...
