from httpx import AsyncClient


async def test_card_by_slug(client: AsyncClient, demo: int) -> None:
    response = await client.get("/v1/controversies/gpt-2-staged-release")
    assert response.status_code == 200, response.text
    assert response.json()["slug"] == "gpt-2-staged-release"
