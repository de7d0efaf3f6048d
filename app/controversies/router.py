"""The editorial inputs of a controversy's Noise Score.

The controversy's own endpoints answer with its whole card, so they live with the card, in
app/cards/router.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.controversies import service
from app.deps import IdOrSlug, IfMatch, SessionDep, WriterDep
from app.errors import problem_responses
from app.etags import version_etag
from app.json_route import JsonRoute
from app.noise.schemas import NoiseInputsRead, NoiseInputsUpdate

router = APIRouter(tags=["noise"], route_class=JsonRoute)
INPUTS = "/controversies/{id_or_slug}/noise/inputs"


@router.get(INPUTS, operation_id="getNoiseInputs")
async def get_noise_inputs(
    id_or_slug: IdOrSlug, session: SessionDep, response: Response
) -> NoiseInputsRead:
    """The editorial inputs: industry impact and per-component overrides."""
    controversy_id = await service.resolve(session, id_or_slug=id_or_slug)
    result = await service.inputs(session, controversy_id=controversy_id)
    response.headers["ETag"] = version_etag(result.version)
    return result


@router.patch(INPUTS, operation_id="updateNoiseInputs", responses=problem_responses(412, 428))
async def update_noise_inputs(
    id_or_slug: IdOrSlug,
    data: NoiseInputsUpdate,
    writer: WriterDep,
    response: Response,
    if_match: IfMatch = None,
) -> NoiseInputsRead:
    """Set industry impact or overrides (null clears one); the score is recomputed."""
    result = await service.update_inputs(
        writer, id_or_slug=id_or_slug, data=data, if_match=if_match
    )
    response.headers["ETag"] = version_etag(result.version)
    return result
