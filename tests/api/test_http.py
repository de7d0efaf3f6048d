import json
from httpx import AsyncClient
from sqlalchemy import text


async def test_probe(client: AsyncClient, demo: int, count_queries, sessionmaker) -> None:
    for p in ["/v1/controversies/%00", "/v1/controversies?q=%00", "/v1/actors?q=%00",
              "/v1/controversies/gpt-2-staged-release/noise/history?to=0001-01-02T00:00:00Z",
              "/v1/controversies/gpt-2-staged-release?at=0001-01-01T00:00:00%2B01:00",
              "/v1/controversies/gpt-2-staged-release?at=9999-12-31T23:59:59-01:00",
              "/v1/controversies/gpt-2-staged-release?at=2026-11-27T09:36:00",
              "/v1/controversies?tag=%00", "/v1/controversies?updated_since=0001-01-01T00:00:00%2B05:00",
              "/v1/controversies/gpt-2-staged-release/noise/history?from=0001-01-01T00:00:00Z&to=0001-01-01T00:00:00Z",
              "/v1/controversies/gpt-2-staged-release/noise/history?from=9999-12-31T00:00:00Z&to=9999-12-31T23:00:00Z",
              "/v1/controversies/gpt-2-staged-release/noise/history?from=9999-12-25T00:00:00Z&to=9999-12-31T23:00:00Z&interval=week",
              "/v1/controversies/gpt-2-staged-release/noise/history?from=9999-12-31T00:00:00Z&to=9999-12-31T23:00:00Z&interval=week",
              "/v1/controversies?min_noise=0", "/v1/controversies?q=!!!", "/v1/controversies?q=%27",
              "/v1/controversies?limit=99999999999999999999999",
              "/v1/controversies?updated_since=9999-12-31T23:59:59-01:00",
              "/v1/controversies?cursor=%00", "/v1/controversies?cursor=eyJzIjoiY29udHJvdmVyc2llczpub2lzZSIsImsiOlsxZTMwOCwiYSJdfQ",
              "/v1/actors/00000000-0000-0000-0000-000000000000", "/v1/actors/xyz",
              "/v1/controversies?actor=xyz", "/v1/controversies?category=nope",
              "/v1/controversies/gpt-2-staged-release/noise?at=2026-11-27T12:00:00Z",
              "/v1/controversies/" + "a"*300,
              "/v1/controversies/%C3%A9%F0%9F%98%80",
              "/v1/controversies/urn:uuid:00000000-0000-0000-0000-000000000000",
              "/v1/controversies/gpt-2-staged-release/mentions?platform=%00",
              "/v1/controversies/gpt-2-staged-release/timeline?kind=%00",
              "/v1/actors?cursor=" ,
              "/v1/controversies?q=" + "%F0%9F%98%80"*150,
              "/v1/controversies/-1", "/v1/controversies?min_noise=-1",
              ]:
        try:
            r = await client.get(p)
            print(p[:120], r.status_code, r.headers.get("content-type"), r.text[:300])
        except Exception as e:
            print(p[:120], "EXC", repr(e)[:300])
