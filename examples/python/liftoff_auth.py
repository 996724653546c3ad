"""Verify Liftoff access tokens in a Python service through Liftoff's public keys (no shared secret).

Framework-free: fastapi_app.py and flask_app.py wrap `LiftoffVerifier.verify` in a dependency and a
decorator. It checks what Liftoff's own `requireAuth()` checks, in the same order, and fails with the
same error codes, so a client handles a 401 from this service exactly like one from Liftoff:

- the `Authorization: Bearer <token>` header (AUTH_HEADER_MISSING, AUTH_HEADER_MALFORMED);
- the header: `typ` must be `at+jwt` (an ID token or any other JWT is not an access token), `alg`
  pinned to ES256 or EdDSA *and* to the algorithm of the key its `kid` names (the token never chooses
  how it is checked: no `none`, no HS256 signed with the public key), no `crit` extensions;
- the signature, with the key from /.well-known/jwks.json (`jku`, `jwk` and `x5u` are never followed);
- `iss` and `aud` (both Liftoff's API_URL by default), `exp` (TOKEN_EXPIRED), and the claims Liftoff
  requires (`sub`, `sid`, `role`, `iat`, `jti`); anything else is TOKEN_INVALID. A token of a
  session with an active organization also carries `org_id` and `org_role` (both, or neither).

When the keys cannot be had it answers 503 (JWKS_UNAVAILABLE, or JWKS_EMPTY when Liftoff runs in HS256
mode), never "your token is invalid": the token may be fine, and a client told TOKEN_INVALID would
throw its session away.

The key set (_JWKSCache) is fetched by one request at a time: the others share that fetch, or keep
using the expired set while it runs. When a fetch fails (Liftoff down, or slower than 5 s), there is
no new fetch for `refetch_cooldown_seconds` (30 s) whatever the traffic, and the last good set is
still used for up to `cache_seconds` (300 s) past its expiry; without one, requests get 503
JWKS_UNAVAILABLE at once. A key PyJWT cannot read, or that is not P-256 or Ed25519, is skipped (and
logged), never a 500; a JWKS with keys but none usable counts as a failed fetch.

Debian: apt-get install python3-jwt python3-cryptography.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt import PyJWK
from jwt.exceptions import PyJWKClientError, PyJWKSetError

# Liftoff's keys are ES256 (P-256) or EdDSA (Ed25519); nothing else is ever accepted.
ALGORITHMS = ("ES256", "EdDSA")
TOKEN_TYPE = "at+jwt"
ROLES = ("user", "admin")
# Roles in an organization, lowest first (the `org_role` claim of a session with an active organization).
ORG_ROLES = ("member", "admin", "owner")
# The `amr` values Liftoff writes: a password, a provider, an authenticator code, a recovery code, a passkey.
AUTHENTICATION_METHODS = ("pwd", "oauth", "otp", "rc", "hwk")
SECOND_FACTORS = ("otp", "rc", "hwk")
# Same rule as Liftoff's requireAuth (src/middleware/require-auth.ts): scheme case-insensitive, one
# or more spaces, a token without whitespace, nothing after it.
BEARER = re.compile(r"^Bearer +([^\s]+)$", re.IGNORECASE)
# Liftoff serves its JWKS with `Cache-Control: public, max-age=300`.
DEFAULT_CACHE_SECONDS = 300
# At most one JWKS refetch per this many seconds for a `kid` not in the cached set (jose's default),
# and no fetch at all for this long after a failed one (the backoff).
DEFAULT_REFETCH_COOLDOWN_SECONDS = 30
FETCH_TIMEOUT_SECONDS = 5
MAX_JWKS_BYTES = 1 << 20

# The messages are Liftoff's own (src/error-codes.ts) for its four codes.
MESSAGES = {
    "AUTH_HEADER_MISSING": 'Send an access token as "Authorization: Bearer <token>".',
    "AUTH_HEADER_MALFORMED": 'The Authorization header must be "Bearer <token>".',
    "TOKEN_EXPIRED": "The access token has expired; refresh it.",
    "TOKEN_INVALID": "The access token is not valid.",
    "JWKS_UNAVAILABLE": (
        "The keys that verify access tokens cannot be fetched from Liftoff right now; retry later."
    ),
    "JWKS_EMPTY": (
        "Liftoff publishes no public keys (its JWKS is empty): it signs access tokens with HS256 "
        "(JWT_SECRET), which no other service can verify without the secret. Switch Liftoff to "
        "asymmetric keys: `npm run --silent keys`, set the output as JWT_SIGNING_KEYS and remove "
        "JWT_SECRET. Do not share the HS256 secret with other services."
    ),
}


class LiftoffAuthError(Exception):
    """A request that cannot be let through, with the status, code and headers to answer it with.

    401 for a missing or bad token (Liftoff's codes and WWW-Authenticate challenges, RFC 6750 §3);
    503 when this service cannot get Liftoff's keys, which is no fault of the token.
    """

    def __init__(self, code: str, message: Optional[str] = None, status: int = 401) -> None:
        super().__init__(message or MESSAGES[code])
        self.code = code
        self.message = message or MESSAGES[code]
        self.status = status

    @property
    def headers(self) -> dict[str, str]:
        if self.status == 503:
            return {"Retry-After": "30"} if self.code == "JWKS_UNAVAILABLE" else {}
        if self.code in ("TOKEN_EXPIRED", "TOKEN_INVALID"):
            description = "expired" if self.code == "TOKEN_EXPIRED" else "invalid"
            return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'}
        # No token came: a bare challenge, as Liftoff sends.
        return {"WWW-Authenticate": "Bearer"}

    def body(self) -> dict[str, str]:
        """Liftoff's error JSON: `{"error": <sentence>, "code": <CODE>}`."""
        return {"error": self.message, "code": self.code}


log = logging.getLogger("liftoff_auth")


@dataclass(frozen=True)
class LiftoffUser:
    """Who made the request, from a verified token.

    `role` is the role when the token was minted (at most ACCESS_TOKEN_TTL ago): a stateless check.
    `org_id` and `org_role` are the session's active organization and the role in it, or None when
    it has none; like `role`, they are as of the token's minting.
    `amr` says how the session proved who it is and `auth_time` when (the sign-in or latest step-up):
    check `has_second_factor` before anything that needs one, `authenticated_within(seconds)` for
    "signed in recently". Liftoff answers STEP_UP_REQUIRED for these; a client knows what to do.
    """

    user_id: str
    session_id: str
    role: str
    claims: Mapping[str, Any] = field(repr=False)
    org_id: Optional[str] = None
    org_role: Optional[str] = None
    amr: tuple[str, ...] = ()
    auth_time: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def has_second_factor(self) -> bool:
        """The session proved a second factor (or a passkey): Liftoff's `aal` claim is `aal2`."""
        return any(method in SECOND_FACTORS for method in self.amr)

    def authenticated_within(self, seconds: int) -> bool:
        """A factor was proven at most `seconds` ago."""
        return time.time() - self.auth_time <= seconds

    def has_org_role(self, org_id: str, needed: str) -> bool:
        """True when the token's active organization is `org_id` and its role is at least `needed`."""
        if self.org_id != org_id or self.org_role is None:
            return False
        return ORG_ROLES.index(self.org_role) >= ORG_ROLES.index(needed)


class _EmptyKeySet(Exception):
    """The JWKS was fetched and is `{"keys": []}`: Liftoff is in HS256 mode."""


class _Unavailable(Exception):
    """No key set can be had: the fetch failed, or is in its backoff, and no good set is recent enough."""


@dataclass(frozen=True)
class _KeySet:
    """A good fetch: the usable keys (none: Liftoff's JWKS is `{"keys": []}`), when, and the JSON."""

    keys: tuple[PyJWK, ...]
    fetched_at: float
    data: Any


def _usable_keys(data: dict[str, Any], uri: str, previous: Optional[_KeySet]) -> tuple[PyJWK, ...]:
    """The keys of a JWK Set that can verify a Liftoff token; the others are skipped, and logged.

    PyJWT 2.6's PyJWKSet only skips keys raising PyJWKError: one key it cannot parse (an X25519 or
    unknown `kty`, bad EC coordinates, a string in `keys`) raises something else and would make every
    request a 500. Each key is parsed on its own here instead. Raises PyJWKSetError when keys are
    listed but none is usable (never for `{"keys": []}`, which is HS256 mode).
    """
    if previous is not None and previous.data == data:
        return previous.keys  # unchanged since the last fetch: not parsed (nor logged) again
    usable: list[PyJWK] = []
    for entry in data["keys"]:
        try:
            jwk = PyJWK(entry)
        except Exception as error:  # InvalidKeyError, PyJWKError, ValueError, TypeError, AttributeError
            detail = f"{type(error).__name__}: {error}"[:200]  # PyJWT may quote the whole key
            log.warning("%s: skipping a key PyJWT cannot read (%s)", uri, detail)
            continue
        # Only what can verify a Liftoff token: a signing key with a `kid`, P-256 or Ed25519.
        if jwk.public_key_use in ("sig", None) and isinstance(jwk.key_id, str) and _key_algorithm(jwk):
            usable.append(jwk)
        else:
            log.warning("%s: skipping key %r (not a P-256 or Ed25519 signing key with a kid)", uri, jwk.key_id)
    if data["keys"] and not usable:
        raise PyJWKSetError(f"{uri} lists no usable key (P-256 or Ed25519, with a kid)")
    return tuple(usable)


class _JWKSCache:
    """Liftoff's key set: fetched with a timeout and a size cap, cached, one fetch at a time, and
    kept through an outage. PyJWT 2.6's PyJWKClient does none of this: no timeout, a timeout or bad
    JSON escapes as a 500, every caller fetches at once when its cache expires, and a failed fetch
    empties the cache, so that while Liftoff is down each request fetches again.

    - A good set is used without a fetch for `lifespan` seconds.
    - Then one caller fetches, under a lock. Callers arriving meanwhile get the stale set at once if
      it is within its grace period, or else wait for that fetch and share its result (no second fetch).
    - A failed fetch (refused, timeout, HTTP error, not a JWK Set, no usable key) starts a backoff:
      no fetch for `backoff` seconds, whatever the traffic. Meanwhile, and as long as fetches fail,
      the last good set keeps being served for up to `lifespan` seconds past its expiry (the grace
      period); after that, or with no good set at all, the answer is unavailable (503), still
      without a fetch per request.
    """

    def __init__(self, uri: str, lifespan: float, backoff: float) -> None:
        if lifespan <= 0:
            raise ValueError("the JWKS cache lifespan must be positive")
        self.uri = uri
        self.lifespan = lifespan
        self.grace = lifespan
        self.backoff = backoff
        self._good: Optional[_KeySet] = None
        self._failed_at = float("-inf")
        self._attempt_ended_at = float("-inf")
        self._lock = threading.Lock()

    def keys(self, refresh: bool = False) -> tuple[PyJWK, ...]:
        """The usable keys. `refresh`: a newer set than the cached one is needed (an unknown `kid`),
        so no stale set will do. Raises _EmptyKeySet (HS256 mode) or _Unavailable."""
        asked = time.monotonic()
        good = self._good
        if not refresh and good is not None and asked - good.fetched_at < self.lifespan:
            return self._checked(good)
        has_stale = not refresh and good is not None and asked - good.fetched_at < self.lifespan + self.grace
        if not self._lock.acquire(blocking=not has_stale):
            assert good is not None
            return self._checked(good)  # another caller is fetching: the stale set meanwhile
        try:
            if self._attempt_ended_at < asked and time.monotonic() - self._failed_at >= self.backoff:
                self._fetch()
            # Else a fetch ended while this caller waited (its result is shared), or fetches are
            # in their backoff after a failure: no fetch either way.
            return self._result(refresh, asked)
        finally:
            self._lock.release()

    def _result(self, refresh: bool, asked: float) -> tuple[PyJWK, ...]:
        good = self._good
        if good is not None:
            if good.fetched_at >= asked:
                return self._checked(good)
            if not refresh and time.monotonic() - good.fetched_at < self.lifespan + self.grace:
                return self._checked(good)
        raise _Unavailable()

    @staticmethod
    def _checked(good: _KeySet) -> tuple[PyJWK, ...]:
        if not good.keys:
            raise _EmptyKeySet()
        return good.keys

    def _fetch(self) -> None:
        """One fetch (the lock is held): on success the new good set, on failure the backoff."""
        try:
            request = urllib.request.Request(self.uri, headers={"Accept": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
                    data = json.loads(response.read(MAX_JWKS_BYTES))  # a bigger answer is cut, and fails here
            except Exception as error:  # URLError, HTTPError, TimeoutError, ValueError: all "unavailable"
                raise PyJWKClientError(f"cannot fetch {self.uri}: {type(error).__name__}: {error}") from error
            if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
                raise PyJWKClientError(f"{self.uri} did not answer a JWK Set")
            self._good = _KeySet(_usable_keys(data, self.uri, self._good), time.monotonic(), data)
            self._failed_at = float("-inf")
        except Exception as error:  # PyJWKClientError, PyJWKSetError, or anything unforeseen: never a 500
            self._failed_at = time.monotonic()
            good = self._good
            if good is not None and self._failed_at - good.fetched_at < self.lifespan + self.grace:
                kept = f"keeping the key set fetched {self._failed_at - good.fetched_at:.0f} s ago"
            else:
                kept = "no key set to verify tokens with"
            # Once per failed fetch, so at most once per backoff: the detail is for the operator.
            log.error("Liftoff's keys are unavailable: %s; %s; next try in %g s", error, kept, self.backoff)
        finally:
            self._attempt_ended_at = time.monotonic()


def _key_algorithm(jwk: PyJWK) -> Optional[str]:
    """The one algorithm this key may verify, from its type: pins `alg` to the key, as Liftoff does."""
    key = jwk.key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    return None


def bearer_token(authorization: Optional[str]) -> str:
    """The token in an Authorization header, parsed exactly as Liftoff parses it."""
    if authorization is None or authorization.strip() == "":
        raise LiftoffAuthError("AUTH_HEADER_MISSING")
    match = BEARER.match(authorization.strip())
    if match is None:
        raise LiftoffAuthError("AUTH_HEADER_MALFORMED")
    return match.group(1)


def _normalized_typ(value: Any) -> Optional[str]:
    """`typ` compared as jose compares it: case-insensitive, `application/` prefix optional."""
    if not isinstance(value, str):
        return None
    value = value.lower()
    return value[len("application/") :] if value.startswith("application/") else value


def _checked_header(token: str) -> dict[str, Any]:
    """The unverified header, refused before any key lookup when it cannot be a Liftoff access token.

    `alg` is checked later, against the keys: in HS256 mode every token is HS256, and the answer
    that helps is "Liftoff publishes no keys", not "your token is invalid".
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise LiftoffAuthError("TOKEN_INVALID") from None
    typ_ok = _normalized_typ(header.get("typ")) == TOKEN_TYPE
    if not typ_ok or not isinstance(header.get("kid"), str) or "crit" in header:
        raise LiftoffAuthError("TOKEN_INVALID")
    return header


class LiftoffVerifier:
    """Verifies Liftoff access tokens with the keys Liftoff publishes at /.well-known/jwks.json.

    One instance per process: it holds the key cache. The key set is cached for `cache_seconds`
    (Liftoff's own max-age, 300 s); a `kid` not in it (a key rotated in since) triggers one refetch,
    at most once per `refetch_cooldown_seconds`, so tokens with made-up `kid`s cannot make this
    service fetch the JWKS on every request. The same setting is the backoff after a failed fetch
    (see _JWKSCache). A key removed from Liftoff stays trusted here until the cached set expires, or
    up to `cache_seconds` longer if the JWKS cannot be fetched then: the rotation runbook waits
    ACCESS_TOKEN_TTL plus the cache time before removing one.

    PyJWKClient's `cache_keys=True` is deliberately not used: in PyJWT 2.6 it is an lru_cache on
    `get_signing_key` with no expiry, so a removed key would be trusted until the process restarts.
    """

    def __init__(
        self,
        api_url: str,
        audience: Optional[str] = None,
        issuer: Optional[str] = None,
        *,
        jwks_url: Optional[str] = None,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        refetch_cooldown_seconds: float = DEFAULT_REFETCH_COOLDOWN_SECONDS,
    ) -> None:
        api_url = api_url.rstrip("/")
        # Liftoff sets both `iss` and `aud` to its API_URL (src/auth/access-tokens.ts).
        self.audience = audience or api_url
        self.issuer = issuer or api_url
        self.jwks_url = jwks_url or f"{api_url}/.well-known/jwks.json"
        self.refetch_cooldown_seconds = refetch_cooldown_seconds
        self._cache = _JWKSCache(self.jwks_url, lifespan=cache_seconds, backoff=refetch_cooldown_seconds)
        self._refetch_lock = threading.Lock()
        self._last_refetch = float("-inf")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "LiftoffVerifier":
        """LIFTOFF_API_URL (required); LIFTOFF_AUDIENCE, LIFTOFF_ISSUER, LIFTOFF_JWKS_URL,
        LIFTOFF_JWKS_CACHE_SECONDS and LIFTOFF_JWKS_REFETCH_COOLDOWN_SECONDS (optional)."""
        api_url = environ.get("LIFTOFF_API_URL", "").strip()
        if not api_url:
            raise RuntimeError("Set LIFTOFF_API_URL to Liftoff's API_URL, e.g. https://api.example.com")
        return cls(
            api_url,
            audience=environ.get("LIFTOFF_AUDIENCE") or None,
            issuer=environ.get("LIFTOFF_ISSUER") or None,
            jwks_url=environ.get("LIFTOFF_JWKS_URL") or None,
            cache_seconds=float(environ.get("LIFTOFF_JWKS_CACHE_SECONDS") or DEFAULT_CACHE_SECONDS),
            refetch_cooldown_seconds=float(
                environ.get("LIFTOFF_JWKS_REFETCH_COOLDOWN_SECONDS") or DEFAULT_REFETCH_COOLDOWN_SECONDS
            ),
        )

    def verify(self, authorization: Optional[str]) -> LiftoffUser:
        """The user of a request's Authorization header; raises LiftoffAuthError (401 or 503)."""
        token = bearer_token(authorization)
        header = _checked_header(token)
        cached = self._keys(refresh=False)  # 503 when there are no keys to check any token with
        if header.get("alg") not in ALGORITHMS:
            raise LiftoffAuthError("TOKEN_INVALID")
        key = _match_kid(cached, header["kid"]) or self._refetched_key(header["kid"])
        if _key_algorithm(key) != header["alg"]:
            raise LiftoffAuthError("TOKEN_INVALID")
        return _user_from(self._decode(token, key, header["alg"]))

    def _decode(self, token: str, key: PyJWK, algorithm: str) -> dict[str, Any]:
        """Signature first, then the claims; only an expiry on a genuine token is TOKEN_EXPIRED."""
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                # iat must be there (checked below) but, as in Liftoff, a clock a second behind
                # Liftoff's must not refuse a fresh token as "issued in the future".
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"], "verify_iat": False},
            )
        except jwt.ExpiredSignatureError:
            raise LiftoffAuthError("TOKEN_EXPIRED") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise LiftoffAuthError("TOKEN_INVALID") from None
        if not isinstance(claims.get("iat"), (int, float)) or isinstance(claims.get("iat"), bool):
            raise LiftoffAuthError("TOKEN_INVALID")
        return claims

    def _refetched_key(self, kid: str) -> PyJWK:
        """The key for a `kid` not in the cached set (a key rotated in since): one rate-limited refetch."""
        with self._refetch_lock:
            # Another request may have refetched while this one waited for the lock.
            key = _match_kid(self._keys(refresh=False), kid)
            if key is None and time.monotonic() - self._last_refetch >= self.refetch_cooldown_seconds:
                self._last_refetch = time.monotonic()
                key = _match_kid(self._keys(refresh=True), kid)
        if key is None:
            # Unknown kid: a key never published, or one removed from Liftoff (its tokens are void).
            raise LiftoffAuthError("TOKEN_INVALID")
        return key

    def _keys(self, refresh: bool) -> tuple[PyJWK, ...]:
        try:
            return self._cache.keys(refresh=refresh)
        except _EmptyKeySet:
            log.error("%s is empty. %s", self.jwks_url, MESSAGES["JWKS_EMPTY"])
            raise LiftoffAuthError("JWKS_EMPTY", status=503) from None
        except _Unavailable:
            # The cause (URL, error) was logged by the failed fetch; it is not for the client.
            raise LiftoffAuthError("JWKS_UNAVAILABLE", status=503) from None


def _match_kid(keys: tuple[PyJWK, ...], kid: str) -> Optional[PyJWK]:
    return next((key for key in keys if key.key_id == kid), None)


def _user_from(claims: dict[str, Any]) -> LiftoffUser:
    """The handler's view of the token; a token without Liftoff's claim shapes is TOKEN_INVALID."""
    sub, sid, role = claims.get("sub"), claims.get("sid"), claims.get("role")
    if not isinstance(sub, str) or not isinstance(sid, str) or role not in ROLES:
        raise LiftoffAuthError("TOKEN_INVALID")
    org_id, org_role = claims.get("org_id"), claims.get("org_role")
    # Both or neither, as Liftoff mints them.
    if (org_id, org_role) != (None, None) and (not isinstance(org_id, str) or org_role not in ORG_ROLES):
        raise LiftoffAuthError("TOKEN_INVALID")
    # How the session proved who it is (Liftoff's amr values), and when; tokens minted before Liftoff
    # had second factors carry neither: no factor named, proven when issued.
    amr, auth_time = claims.get("amr", []), claims.get("auth_time", claims.get("iat"))
    if (
        not isinstance(amr, list)
        or not all(method in AUTHENTICATION_METHODS for method in amr)
        or not isinstance(auth_time, int)
        or isinstance(auth_time, bool)
    ):
        raise LiftoffAuthError("TOKEN_INVALID")
    return LiftoffUser(
        user_id=sub,
        session_id=sid,
        role=role,
        claims=claims,
        org_id=org_id,
        org_role=org_role,
        amr=tuple(amr),
        auth_time=auth_time,
    )
