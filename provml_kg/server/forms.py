"""Decoding request parameters and bodies strictly: bad UTF-8 is a client error, not a guess."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request

FORM_TYPE = "application/x-www-form-urlencoded"

__all__ = ["FORM_TYPE", "parse_params", "url_params", "form_params", "single", "body_text", "media_type"]


def parse_params(raw: bytes | str, where: str) -> dict[str, list[str]]:
    """Return the ``application/x-www-form-urlencoded`` pairs of ``raw`` as name -> values.

    Raises:
        HTTPException: 400 when the data is not UTF-8 once percent-decoded.
    """
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise HTTPException(400, f"the {where} is not valid UTF-8 once percent-decoded") from None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def url_params(request: Request) -> dict[str, list[str]]:
    """Return the request URL's query parameters (strictly decoded)."""
    return parse_params(request.scope.get("query_string", b""), "query string")


async def form_params(request: Request) -> dict[str, list[str]]:
    """Return the parameters of a form-encoded body."""
    return parse_params(await request.body(), "form body")


def single(params: dict[str, list[str]], name: str) -> str | None:
    """Return the one value of ``name`` (``None`` when absent).

    Raises:
        HTTPException: 400 when ``name`` is given more than once.
    """
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise HTTPException(400, f"the {name!r} parameter is given {len(values)} times; give it once")
    return values[0]


async def body_text(request: Request) -> str:
    """Return the request body decoded as UTF-8.

    Raises:
        HTTPException: 400 when it is not valid UTF-8.
    """
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "the request body is not valid UTF-8") from None


def media_type(request: Request) -> str:
    """Return the request's Content-Type without parameters, lower-cased ('' when absent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()
