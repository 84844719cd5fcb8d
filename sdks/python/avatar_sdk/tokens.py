"""Reading a session token's lifetime. The token is a JWT signed by the platform; the
SDK only reads its payload (``iat``, ``exp``) to refresh it in time, never verifies it."""
from __future__ import annotations

import base64
import json
import time
from typing import Any, Dict, Optional


def token_claims(token: str) -> Optional[Dict[str, Any]]:
    """The JWT's payload, or None when the token is not a readable JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_expiry(token: str) -> Optional[float]:
    """When the token expires (seconds since the epoch), or None when it does not say."""
    claims = token_claims(token)
    exp = claims.get("exp") if claims else None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


def refresh_delay(token: str, now: Optional[float] = None, *, min_margin: float = 2.0, max_margin: float = 60.0) -> Optional[float]:
    """Seconds from ``now`` until the token should be replaced: a fifth of its lifetime
    before it expires (at least ``min_margin``, at most ``max_margin`` seconds early, and
    never earlier than half its lifetime), 0 when that moment has passed, None when the
    token has no ``exp``."""
    now = time.time() if now is None else now
    claims = token_claims(token) or {}
    exp = token_expiry(token)
    if exp is None:
        return None
    iat = claims.get("iat")
    lifetime = exp - (float(iat) if isinstance(iat, (int, float)) and not isinstance(iat, bool) else now)
    margin = min(max(lifetime * 0.2, min_margin), max_margin, max(lifetime, 0.0) / 2)
    return max(0.0, exp - margin - now)
