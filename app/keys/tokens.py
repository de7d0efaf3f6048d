"""Key strings, their hashes and public ids (pure: no I/O)."""

from __future__ import annotations

import hmac
import secrets
import string

PREFIXES = {"publishable": "ck_pub_", "secret": "ck_sec_"}
PUBLIC_ID_PREFIX = "key_"
_PUBLIC_ID_ALPHABET = string.ascii_letters + string.digits


def new_key(kind: str) -> str:
    """A new key string: the kind's prefix and 256 bits of randomness."""
    return PREFIXES[kind] + secrets.token_urlsafe(32)


def new_public_id() -> str:
    """A short, non-secret id for URLs and logs (`key_` + 12 characters, ~71 bits)."""
    return PUBLIC_ID_PREFIX + "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(12))


def hash_key(key: str, pepper: str) -> bytes:
    """HMAC-SHA256 of a key string under the server-side pepper (32 bytes)."""
    return hmac.digest(pepper.encode(), key.encode(), "sha256")


def looks_like_key(value: str) -> bool:
    """Whether a string has the shape of one of our keys (cheap pre-check before the DB)."""
    return any(value.startswith(prefix) for prefix in PREFIXES.values()) and len(value) < 200


def same_hash(left: bytes | None, right: bytes) -> bool:
    """Constant-time comparison of two hashes."""
    return left is not None and hmac.compare_digest(left, right)
