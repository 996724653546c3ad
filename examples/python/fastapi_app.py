"""A FastAPI service that accepts Liftoff access tokens, verified through Liftoff's JWKS.

    LIFTOFF_API_URL=https://api.example.com /usr/bin/python3 -m uvicorn fastapi_app:app --port 8001

Debian: apt-get install python3-fastapi python3-uvicorn python3-jwt python3-cryptography.
Copy `current_user` and `install_liftoff_errors` into your service; the routes are the demo.
"""

from __future__ import annotations

from typing import Optional

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse

from liftoff_auth import LiftoffAuthError, LiftoffUser, LiftoffVerifier


def liftoff_user_dependency(verifier: LiftoffVerifier):
    """A dependency giving the verified user, or raising LiftoffAuthError (answered by the handler below).

    A plain `def`, not `async def`: a JWKS fetch blocks, so FastAPI runs it in its thread pool
    instead of stalling the event loop.
    """

    def current_user(authorization: Optional[str] = Header(default=None)) -> LiftoffUser:
        return verifier.verify(authorization)

    return current_user


def install_liftoff_errors(app: FastAPI) -> None:
    """Answers LiftoffAuthError as Liftoff does: `{"error", "code"}` with its status and challenge."""

    async def handle(_request: Request, error: LiftoffAuthError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    app.add_exception_handler(LiftoffAuthError, handle)


def create_app(verifier: LiftoffVerifier) -> FastAPI:
    app = FastAPI(title="Liftoff-authenticated FastAPI example")
    install_liftoff_errors(app)
    current_user = liftoff_user_dependency(verifier)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/me")
    def me(user: LiftoffUser = Depends(current_user)) -> dict[str, Optional[str]]:
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
