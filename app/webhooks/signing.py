"""Standard Webhooks signatures, made with the specification's own library.

A delivery carries `webhook-id` (the same on every attempt, for the receiver to drop
repeats), `webhook-timestamp` (seconds, when this attempt was signed) and `webhook-signature`:
`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` — during a secret's rotation, one signature per
valid secret, separated by a space, so a receiver holding either verifies.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret, `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers(
    message_id: str, body: str, signing_secrets: Sequence[str], at: datetime
) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    signatures = [Webhook(secret).sign(message_id, at, body) for secret in signing_secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
