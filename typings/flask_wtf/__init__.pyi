# Flask-WTF 1.2: only what fieldops uses.
from flask_wtf.csrf import CSRFProtect as CSRFProtect
