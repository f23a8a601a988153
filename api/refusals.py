"""The refusals as the OpenAPI schema declares them: every 4xx/5xx the API really answers, with
the error body `{"error", "reason"}`, so a client (and schemathesis) can rely on the schema.
And the framework's own English refusals said in Russian."""

from typing import Any

from starlette.requests import Request
from starlette.routing import Match

from api.schemas import Problem

WHY = {
    400: "запрос не разобран: символ NUL (\\u0000), тело не JSON или не в UTF-8",
    401: "нет токена (Authorization: Bearer …) или токен не принят",
    403: "это недоступно роли или муниципалитету токена",
    404: "не найдено (или не видно с этим токеном)",
    405: "этот метод здесь не поддерживается",
    409: "обращение уже изменилось: версия устарела или действие недопустимо в его статусе",
    413: "тело запроса слишком большое",
    422: "параметры или тело запроса не прошли проверку",
    503: "база данных временно недоступна: повторите запрос позже",
}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# The framework's refusals (Starlette, FastAPI) that reach a client in English otherwise.
RUSSIAN = {
    "There was an error parsing the body": "тело запроса не разобрано: нужен JSON в UTF-8",
    "Not Found": "такого адреса нет",
    "Method Not Allowed": WHY[405],
    "Not authenticated": WHY[401],
}


def refusals(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route or a router: each code with the error body."""
    return {code: {"model": Problem, "description": WHY[code]} for code in codes}


# What the edge (api/edge.py) and the database's absence answer on any route.
EVERYWHERE = refusals(400, 413, 503)


def russian(detail: Any) -> str:
    return RUSSIAN.get(str(detail), str(detail))


def allowed_methods(request: Request) -> str:
    """Every method the path answers, for a 405's `Allow`: Starlette names only the first route
    that matched the path (POST of /items, not its GET). Each method is tried on the routes."""

    def answers(method: str) -> bool:
        probe = {**request.scope, "method": method}
        return any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes)

    return ", ".join(m for m in METHODS if answers(m))
