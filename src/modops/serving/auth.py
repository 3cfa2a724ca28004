"""Optional API keys. Settings hold sha256 hex digests, never the keys themselves.

A key is sent as ``Authorization: Bearer <key>`` (what the OpenAI SDK sends) or
``X-API-Key: <key>``. No key → 401; a key that matches no digest → 403. With no
digests configured, the API is open (``MODOPS_API_KEYS`` empty). Admin routes need a
key from ``MODOPS_ADMIN_API_KEYS`` and are disabled while that list is empty.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from fastapi import Request
from starlette.requests import HTTPConnection

from modops.serving.errors import ServiceError


def hash_key(key: str) -> str:
    """The digest to put in ``MODOPS_API_KEYS`` for a given key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _presented_key(request: HTTPConnection) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    key = request.headers.get("x-api-key")
    return key.strip() if key and key.strip() else None


def _matches(key: str, digests: Iterable[str]) -> bool:
    presented = hash_key(key)
    ok = False
    for d in digests:
        # compare every digest (no early exit) in constant time
        ok |= hmac.compare_digest(presented, d.strip().lower())
    return ok


def check_key(request: HTTPConnection, digests: list[str], *, admin: bool = False) -> None:
    """Raise 401/403 unless the request carries a key whose sha256 is in ``digests``."""
    key = _presented_key(request)
    if key is None:
        raise ServiceError(
            401,
            "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not _matches(key, digests):
        raise ServiceError(403, "invalid admin API key" if admin else "invalid API key")


async def require_api_key(request: Request) -> None:
    """Dependency for /v1 routes: enforced only when API keys are configured."""
    digests = request.app.state.settings.api_keys
    if digests:
        check_key(request, digests)


async def require_admin_key(request: Request) -> None:
    """Dependency for /v1/admin routes."""
    digests = request.app.state.settings.admin_api_keys
    if not digests:
        raise ServiceError(403, "admin endpoints are disabled: set MODOPS_ADMIN_API_KEYS (sha256 digests)")
    check_key(request, digests, admin=True)
