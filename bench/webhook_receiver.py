"""A fast webhook receiver for bench/webhooks.py: an ASGI app under uvicorn that verifies every
signature with `standardwebhooks`, counts messages (and repeats by `webhook-id`), and notes the
monotonic time of each arrival. `GET /stats` reports them; `POST /reset` forgets them.

    python bench/webhook_receiver.py PORT SECRET [SECRET …]
"""

from __future__ import annotations

import sys
import time
from typing import Any

import orjson
import uvicorn
from standardwebhooks import Webhook

State = dict[str, Any]


def make_app(secrets: list[str]) -> Any:
    verifiers = [Webhook(secret) for secret in secrets]
    state: State = {"seen": {}, "bad": 0, "repeats": 0, "labels": {}}

    async def body_of(receive: Any) -> bytes:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await body_of(receive)
        if scope["method"] == "GET":
            arrivals = sorted(state["seen"].values())
            answer = orjson.dumps(
                {"count": len(arrivals), "bad": state["bad"], "repeats": state["repeats"],
                 "first": arrivals[0] if arrivals else None,
                 "last": arrivals[-1] if arrivals else None, "labels": state["labels"]}
            )  # fmt: skip
        elif scope["path"] == "/reset":
            state.update(seen={}, bad=0, repeats=0, labels={})
            answer = b"{}"
        else:
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            if not any(_verifies(v, body, headers) for v in verifiers):
                state["bad"] += 1
            message_id = headers.get("webhook-id", "")
            if message_id in state["seen"]:
                state["repeats"] += 1
            else:
                now = time.monotonic()
                state["seen"][message_id] = now
                label = ((orjson.loads(body).get("data") or {}).get("payload") or {}).get("label")
                if isinstance(label, str):
                    state["labels"].setdefault(label, now)
            answer = b"ok"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(answer)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": answer})

    return app


def _verifies(verifier: Webhook, body: bytes, headers: dict[str, str]) -> bool:
    try:
        verifier.verify(body, headers, json_parse=False)
    except Exception:
        return False
    return True


if __name__ == "__main__":
    port, *secrets = sys.argv[1:]
    uvicorn.run(make_app(secrets), host="127.0.0.1", port=int(port), log_level="warning",
                access_log=False)  # fmt: skip
