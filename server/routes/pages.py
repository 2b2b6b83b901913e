"""The HTML pages; all their data comes from the JSON API."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["pages"], include_in_schema=False)
PAGES = {"/": ("home", "home.html"), "/vae": ("vae", "vae.html"), "/diffusion": ("diffusion", "diffusion.html"),
         "/gan": ("gan", "gan.html"), "/flow": ("flow", "flow.html"), "/pixelcnn": ("pixelcnn", "pixelcnn.html"),
         "/score": ("score", "score.html"), "/vqvae": ("vqvae", "vqvae.html"),
         "/lab": ("lab", "lab.html"), "/compare": ("compare", "compare.html"), "/quiz": ("quiz", "quiz.html")}


def _page(page: str, template: str):
    def render(request: Request) -> HTMLResponse:
        return request.app.state.templates.TemplateResponse(request, template, {"page": page})
    render.__name__ = f"page_{page}"
    return render


for path, (name, template) in PAGES.items():
    router.add_api_route(path, _page(name, template), methods=["GET"], response_class=HTMLResponse)
