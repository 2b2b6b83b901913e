"""/docs (Swagger UI) and /redoc from vendored assets, so the API reference works offline and under
the CSP (no inline script, no CDN). FastAPI's own pages load both from a CDN and are switched off."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["docs"], include_in_schema=False)


def _render(request: Request, template: str) -> HTMLResponse:
    context = {"title": request.app.title, "openapi_url": request.app.openapi_url}
    return request.app.state.templates.TemplateResponse(request, template, context)


@router.get("/docs", response_class=HTMLResponse)
def get_swagger_ui(request: Request) -> HTMLResponse:
    """Interactive API reference: try every route from the browser."""
    return _render(request, "docs.html")


@router.get("/redoc", response_class=HTMLResponse)
def get_redoc(request: Request) -> HTMLResponse:
    """Readable API reference on one page."""
    return _render(request, "redoc.html")
