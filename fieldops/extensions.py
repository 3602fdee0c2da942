"""Flask extensions, created unbound and initialised in the app factory."""

from __future__ import annotations

from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from fieldops.db import Base

# Models derive from our own typed Base; Flask-SQLAlchemy only manages sessions and engines.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()
