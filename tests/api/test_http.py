import httpx
from httpx import AsyncClient
from fastapi import FastAPI


async def test_probe(client: AsyncClient, app: FastAPI, demo: int) -> None:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test", headers=client.headers)
    big = b"x" * (2 * 1024 * 1024)
    async def gen():
        for i in range(0, len(big), 65536):
            yield big[i:i+65536]
    for path in ["/v1/controversies", "/v1/nope", "/healthz", "/v1/controversies/gpt-2-staged-release/mentions"]:
        r = await c.post(path, content=big, headers={"content-type": "application/json"})
        print("declared", path, r.status_code, r.headers.get("content-type"), r.text[:200])
        r = await c.post(path, content=gen(), headers={"content-type": "application/json"})
        print("chunked", path, r.status_code, r.headers.get("content-type"), r.text[:200])
    r = await c.options("/v1/controversies", headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"})
    print("preflight", r.status_code, dict(r.headers))
    r = await c.get("/v1/controversies", headers={"Origin": "https://evil.example.com"})
    print("evil", r.status_code, dict(r.headers))
    r = await c.delete("/v1/categories")
    print("405", r.status_code, dict(r.headers), r.text)
    r = await c.get("/v1/controversies", headers={"Accept-Encoding": "identity"})
    print("identity", r.status_code, dict(r.headers))
    r = await c.get("/v1/controversies", headers={"X-Request-ID": "bad id with spaces"})
    print("badrid", r.headers.get("x-request-id"))
