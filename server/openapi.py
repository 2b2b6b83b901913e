"""What the OpenAPI says each route can answer besides 200: every refusal, in one error shape.

Routes pass one of these dicts as `responses=`; the schemathesis suite checks that no route
answers a status (or a header, or a body shape) that is not listed here.
"""

from pydantic import BaseModel


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every 4xx and 5xx: a sentence, or for invalid fields one entry per field."""

    detail: str | list[ValidationIssue]


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "string"}}}


def error_response(description: str, retry: bool = False) -> dict:
    response: dict = {"model": ErrorBody, "description": description}
    if retry:
        response["headers"] = _RETRY_AFTER
    return response


INVALID = {422: error_response("invalid input: a field out of bounds or of the wrong type, an unusable image, "
                       "or a request over the per-request compute budget (the message names the limit)")}
UNKNOWN_MODEL = {404: error_response("no loaded model has this id")}
MODEL_WORK = {
    **UNKNOWN_MODEL,
    409: error_response("the model lacks a capability this route needs (the message lists the ones it has)"),
    413: error_response("the body or an uploaded image is too large (bytes, pixels, or a decompression bomb)"),
    **INVALID,
    429: error_response("this client already has its share of the slots running and queued", retry=True),
    503: error_response("busy: no slot came free in time, or the work stopped at its deadline; or this address "
                        "already holds its connections (GENLAB_CLIENT_CONNECTIONS)", retry=True),
}
EVERY_ROUTE = {400: error_response("the Host header is not one this server answers for (GENLAB_ALLOWED_HOSTS)"),
               503: error_response("this address already holds GENLAB_CLIENT_CONNECTIONS connections: refused before "
                                   "the request is read (server/connections.py)", retry=True)}


PNG_OR_JSON = {200: {"description": "JSON with PNG data URLs, or with `format=png` the grid alone as a PNG",
                     "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}}

# Routes whose answer the request can fix (a seed given): server.results computes it once and labels it.
STORED_ANSWER = {200: {**PNG_OR_JSON[200], "headers": {
    "ETag": {"description": "when the request fixes the answer (a seed given): a hash of its bytes, the same on "
                            "every replica", "schema": {"type": "string"}},
    "X-Genlab-Cache": {"description": "when the request fixes the answer: miss (computed now), hit (stored) or "
                                      "shared (one computation answered several identical requests)",
                       "schema": {"type": "string", "enum": ["miss", "hit", "shared"]}}}}}


def _as_json(response: dict) -> dict:
    """An error response spelled out as application/json: on a route whose own media type is not JSON,
    FastAPI would otherwise file the error body under that media type."""
    spelled = {"description": response["description"],
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    return {**spelled, "headers": response["headers"]} if "headers" in response else spelled


def event_stream(events: list[str], description: str) -> dict:
    """A 200 answered as Server-Sent Events (each event a name and one JSON data line), and the
    route's refusals, which are JSON like everywhere else."""
    event = {"type": "object", "required": ["data"], "properties": {
        "event": {"type": "string", "enum": events},
        "data": {"type": "string", "contentMediaType": "application/json"}}}
    return {**{status: _as_json(r) for status, r in {**EVERY_ROUTE, **MODEL_WORK}.items()},
            200: {"description": f"Server-Sent Events: {description}",
                  "content": {"text/event-stream": {"schema": event}}}}
