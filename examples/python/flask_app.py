"""A Flask service that accepts Liftoff access tokens, verified through Liftoff's JWKS.

    LIFTOFF_API_URL=https://api.example.com /usr/bin/python3 -m flask --app flask_app run --port 8002

Debian: apt-get install python3-flask python3-jwt python3-cryptography. (`flask run` is Werkzeug's
development server; in production run the app under a WSGI server such as gunicorn.)
Copy `require_liftoff_user` into your service; the routes are the demo.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Optional, TypeVar

from flask import Flask, current_app, g, jsonify, request

from liftoff_auth import LiftoffAuthError, LiftoffVerifier

View = TypeVar("View", bound=Callable[..., Any])


def require_liftoff_user(view: View) -> View:
    """Lets the request through only with a valid Liftoff access token; the user is on `g.liftoff_user`.

    The failure is answered here, not by an app-wide error handler, so the decorator works in any app
    (the app only has to hold a LiftoffVerifier in `app.extensions["liftoff"]`).
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verifier: LiftoffVerifier = current_app.extensions["liftoff"]
        try:
            g.liftoff_user = verifier.verify(request.headers.get("Authorization"))
        except LiftoffAuthError as error:
            return jsonify(error.body()), error.status, error.headers
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def create_app(verifier: LiftoffVerifier) -> Flask:
    app = Flask(__name__)
    app.extensions["liftoff"] = verifier

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/me")
    @require_liftoff_user
    def me() -> dict[str, str]:
        user = g.liftoff_user
        return {
            "user_id": user.user_id,
            "session_id": user.session_id,
            "role": user.role,
            "org_id": user.org_id,
            "org_role": user.org_role,
            "aal": "aal2" if user.has_second_factor else "aal1",
        }

    return app


app = create_app(LiftoffVerifier.from_env())
