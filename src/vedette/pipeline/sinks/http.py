"""HTTP delivery shared by the HTTP sinks: one client, one way to read a response."""

from __future__ import annotations

import email.utils
import time
from typing import TYPE_CHECKING, Any

from vedette import __version__
from vedette.pipeline.sinks.base import RetryableError

if TYPE_CHECKING:
    import httpx


class PermanentError(Exception):
    """The destination refused the request for good: it is malformed or too large."""


# Refusals about the request itself. Other 4xx (401 bad token, 404 wrong URL...) are the
# destination's configuration: the data stays spooled until the operator fixes it.
_PERMANENT = {400, 413, 415, 422}


def client(timeout: float, verify: bool | str = True) -> httpx.Client:
    import httpx

    return httpx.Client(timeout=timeout, verify=verify,
                        headers={"User-Agent": f"vedette/{__version__}"})


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.isdigit():
        return float(value)
    moment = email.utils.parsedate_to_datetime(value)
    return max(0.0, moment.timestamp() - time.time()) if moment else None


def request(http: httpx.Client, method: str, url: str, what: str, every_4xx_final: bool = False,
            **kwargs: Any) -> httpx.Response:
    """Send; a 2xx comes back, 400/413/415/422 raise PermanentError, anything else
    (429, 5xx, network errors, a refused token) raises RetryableError. With
    `every_4xx_final`, every 4xx but 429 is final (a destination whose contract says so).
    `what` names the destination in messages (never a secret)."""
    import httpx

    try:
        response = http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise RetryableError(f"{what}: {type(exc).__name__}: {exc}") from exc
    if response.is_success:
        return response
    detail = f"{what}: HTTP {response.status_code}: {response.text[:300].strip()}"
    code = response.status_code
    if code in _PERMANENT or (every_4xx_final and 400 <= code < 500 and code != 429):
        raise PermanentError(detail)
    raise RetryableError(detail, retry_after(response))
