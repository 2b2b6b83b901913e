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
    503: error_response("busy: no slot came free in time, or the work stopped at its deadline", retry=True),
}
EVERY_ROUTE = {400: error_response("the Host header is not one this server answers for (GENLAB_ALLOWED_HOSTS)")}


def event_stream(events: str) -> dict:
    """A 200 answered as Server-Sent Events, with the event types it sends."""
    return {200: {"description": f"Server-Sent Events: {events}",
                  "content": {"text/event-stream": {"schema": {"type": "string"}}}}}
