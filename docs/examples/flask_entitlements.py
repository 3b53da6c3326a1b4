"""Check "is this person premium?" offline in a Flask API, from the Supabase access token.

Every access token our Supabase project issues carries an ``entitlements`` claim (the custom
access token hook, supabase/migrations/20261129120100_access_token_hook.sql): the person's row of
``public.subscriptions`` when the token was issued. This app verifies the token against the
project's JWKS and reads that claim - no call to Supabase per request. See
docs/entitlement-claims.md for what the claim says, how stale it can be, and when to read the
database instead.

Untested here: our CI has no Python packages (pip is not reachable). The TypeScript equivalent,
docs/examples/premium-check.ts, is run by the tests against a served JWKS.

    pip install "flask>=3" "pyjwt[crypto]>=2.8"
    SUPABASE_URL=https://<project-ref>.supabase.co flask --app flask_entitlements run

    curl -H "Authorization: Bearer <access token>" http://127.0.0.1:5000/api/premium/lessons
"""

import os
import time
from functools import wraps

import jwt
from flask import Flask, g, jsonify, request
from jwt.exceptions import InvalidTokenError, PyJWKClientConnectionError, PyJWKClientError

SUPABASE_URL = os.environ["SUPABASE_URL"].rstrip("/")
ISSUER = f"{SUPABASE_URL}/auth/v1"

# The project's public signing keys (asymmetric JWT signing keys). The set is cached for 10
# minutes and fetched again when a token names a key it does not hold (a key rotation).
jwks = jwt.PyJWKClient(f"{ISSUER}/.well-known/jwks.json", cache_jwk_set=True, lifespan=600)

ENTITLING_STATUSES = {"active", "trialing", "in_grace_period"}

app = Flask(__name__)


class NotAuthenticated(Exception):
    pass


def verified_claims(authorization: str) -> dict:
    """The payload of a valid access token of a signed-in user of this project, else NotAuthenticated."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated('missing "Authorization: Bearer <access token>"')
    try:
        key = jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["ES256", "RS256"],
            audience="authenticated",
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except PyJWKClientConnectionError:
        raise  # the JWKS endpoint is unreachable: our problem (503), not the caller's
    except (PyJWKClientError, InvalidTokenError) as error:
        raise NotAuthenticated(str(error)) from error
    if claims.get("role") != "authenticated":
        raise NotAuthenticated("a signed-in user is required")
    return claims


def entitlement(claims: dict):
    """The entitlements claim, or None when the token does not say (read the database then)."""
    claim = claims.get("entitlements")
    if not isinstance(claim, dict) or not isinstance(claim.get("active"), bool):
        return None
    return claim


def is_premium(claims: dict, now: float | None = None) -> bool:
    """Active when the token was issued, and its paid period (or grace period) has not ended since."""
    claim = entitlement(claims)
    if claim is None or claim["active"] is not True or claim.get("status") not in ENTITLING_STATUSES:
        return False
    end = claim.get("grace_period_ends_at") if claim["status"] == "in_grace_period" else claim.get("expires_at")
    if not isinstance(end, int) or isinstance(end, bool):
        return False
    return (time.time() if now is None else now) < end


def require_premium(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            g.claims = verified_claims(request.headers.get("Authorization", ""))
        except NotAuthenticated as error:
            return jsonify(error={"code": "unauthorized", "message": str(error)}), 401
        if not is_premium(g.claims):
            return jsonify(error={"code": "subscription_required", "message": "Subscribe to use this"}), 403
        return view(*args, **kwargs)

    return wrapped


@app.errorhandler(PyJWKClientConnectionError)
def auth_unavailable(_error):
    # Supabase's key set could not be fetched: a 5xx, so the client retries.
    return jsonify(error={"code": "auth_unavailable", "message": "Try again shortly"}), 503


@app.get("/api/premium/lessons")
@require_premium
def premium_lessons():
    claim = entitlement(g.claims)
    return jsonify(user_id=g.claims["sub"], store=claim.get("store"), lessons=["..."])


@app.get("/api/me")
def me():
    try:
        claims = verified_claims(request.headers.get("Authorization", ""))
    except NotAuthenticated as error:
        return jsonify(error={"code": "unauthorized", "message": str(error)}), 401
    return jsonify(user_id=claims["sub"], premium=is_premium(claims), entitlements=entitlement(claims))
