"""Verify a Liftoff access token from another service, with no shared secret: PyJWT's PyJWKClient
fetches the public keys from Liftoff's /.well-known/jwks.json.

    python3 verify.py https://api.example.com <access token>

Prints the verified claims as JSON, or exits 1 with the reason. Debian: apt-get install python3-jwt.
"""
import json
import sys

import jwt
from jwt import PyJWKClient


def verify(api_url: str, token: str) -> dict:
    header = jwt.get_unverified_header(token)
    # Pin the token type and the algorithms: never let the token choose how it is checked.
    if header.get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token (typ must be at+jwt)")
    signing_key = PyJWKClient(f"{api_url}/.well-known/jwks.json").get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        signing_key.key,
        algorithms=["ES256", "EdDSA"],
        audience=api_url,
        issuer=api_url,
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )


if __name__ == "__main__":
    try:
        print(json.dumps(verify(sys.argv[1], sys.argv[2])))
    except Exception as error:  # report any failure the same way: exit 1 with the reason
        print(f"invalid: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
