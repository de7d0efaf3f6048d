import asyncio, re, time
import httpx
from app.main import create_app


async def test_probe(client, settings, fresh_database) -> None:
    empty = await asyncio.to_thread(fresh_database)
    for url in [empty, "postgresql://postgres@127.0.0.1:1/x", "postgresql://postgres@nonexistent.invalid:5432/x"]:
        app = create_app(settings.model_copy(update={"database_url": url}), database_url=url)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t") as c:
                for p in ["/healthz", "/readyz", "/v1/controversies", "/v1/methodology", "/v1/categories"]:
                    t=time.time()
                    r = await c.get(p)
                    print(url, p, r.status_code, round(time.time()-t,2), r.headers.get("retry-after"), r.headers.get("content-type"), r.text[:200])
