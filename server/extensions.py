"""Flask extensions that serve several applications, bound to each in ``create_app``.

Socket.IO is created per application (``app.extensions["socketio"]``), not here.
"""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
