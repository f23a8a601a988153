"""The dashboard's pages: Jinja templates with autoescape, number formats, the security headers."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make form posts send Origin: null
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def _pct(value: float | None) -> str:
    return "—" if value is None else _num(value * 100) + " %"


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_num, pct=_pct)
    return env


TEMPLATES = _env()


def render(request: Request, name: str, status: int, **ctx: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(base=base_path(request), **ctx)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def base_path(request: Request) -> str:
    return str(request.scope.get("root_path", "")) + "/dashboard"
