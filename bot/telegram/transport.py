"""The HTTP client under python-telegram-bot: aiohttp instead of httpx, for less CPU per call.

Two thirds of the bot's CPU per update is Bot API calls (bench/README.md), and most of a
call's cost is the HTTP client: httpx goes through httpcore and anyio on every request,
aiohttp does the same work in fewer layers (C parsers for HTTP and multipart). PTB lets the
transport be swapped (`BaseRequest`); errors are mapped to PTB's as its own httpx
transport does, so retries and the outbox see the same `TimedOut` and `NetworkError`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, NamedTuple

import aiohttp
from aiohttp.helpers import basicauth_from_netrc, get_env_proxy_for_url, netrc_from_env
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

# Where the application keeps its `UpdatesRequest` (bot_data), for the intake.
RECEIVED_KEY = "zhongfu.received"


class Route(NamedTuple):
    """How to reach one host: through which proxy, with which credentials."""

    proxy: URL | None
    proxy_auth: aiohttp.BasicAuth | None
    headers: dict[str, str] | None  # the host's own credentials (Authorization), if any


def _netrc_auth(host: str | None) -> dict[str, str] | None:
    """The host's credentials in ~/.netrc (or $NETRC) as a header, if any."""
    found = netrc_from_env() if host else None
    if found is None or host is None:
        return None
    try:
        return {"Authorization": basicauth_from_netrc(found, host).encode()}
    except LookupError:
        return None


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one aiohttp session with a bounded pool of kept-alive connections."""

    def __init__(self, *, connection_pool_size: int = 1, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0,
                 ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # Per scheme and host, how the environment says to reach it (`_route_for`).
        self._routes: dict[tuple[str, str], Route] = {}
        # aiohttp has no pool timeout of its own: a semaphore gives PTB's "pool full" error.
        self._slots = asyncio.Semaphore(connection_pool_size)

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to getUpdates' long-poll timeout)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT},
                # PTB decodes the body itself and handles every status.
                auto_decompress=True, raise_for_status=False,
                # The proxy is chosen here (`_proxy_for`), once per host: aiohttp's own
                # trust_env reads the environment and ~/.netrc in a thread on every request.
                trust_env=False,
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return its status code and body."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (self._connect_timeout if isinstance(connect_timeout, DefaultValue)
                   else connect_timeout)
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        else:
            write = write_timeout
        # aiohttp times a request as a whole: allow the sum of what PTB allows per phase.
        total = None if read is None or write is None else read + write + (connect or 0)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        body = _body(request_data, files)
        # Before a connection is taken: a proxy variable that cannot be read raises here, and
        # must not keep a connection from the pool (each call then says what is wrong).
        route = self._route_for(URL(url))
        if self._slots.locked():
            try:
                await asyncio.wait_for(self._slots.acquire(), pool)
            except TimeoutError:
                raise TimedOut(
                    "Pool timeout: all connections are busy; the request was not sent"
                ) from None
        else:
            # A free connection is taken at once: wait_for would wrap the acquire in a task
            # and give the loop a turn, and a paced message would leave later than its slot
            # (bunched with the next ones at Telegram's end).
            await self._slots.acquire()
        try:
            async with session.request(method, url, data=body, timeout=timeout,
                                       proxy=route.proxy, proxy_auth=route.proxy_auth,
                                       headers=route.headers) as response:
                status, payload = response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
        finally:
            self._slots.release()
        # PTB calls the Bot API's methods by POST and downloads files by GET (their bytes
        # are no JSON): only a method's answer must look like the Bot API's.
        if method == "POST" and not _from_bot_api(status, payload):
            # Something in front of Telegram answered (a filtering proxy, a captive portal, a
            # reverse proxy without its upstream): not Telegram refusing the token or the
            # message, so a network error, retried like any other.
            raise NetworkError(f"HTTP {status} that is not a Bot API answer")
        return status, payload

    def _route_for(self, url: URL) -> Route:
        """How to reach `url`, from the environment as aiohttp's trust_env reads it: the proxy
        from HTTPS_PROXY / HTTP_PROXY and NO_PROXY (its credentials also from ~/.netrc), as
        curl reads them, since a bureau may reach Telegram only through a proxy; and the
        host's own credentials in ~/.netrc (a self-hosted Bot API behind basic auth). Read
        once per host: the environment does not change while the bot runs."""
        key = (url.scheme, url.host or "")
        found = self._routes.get(key)
        if found is None:
            try:
                proxy, proxy_auth = get_env_proxy_for_url(url)
            except LookupError:  # none named, or NO_PROXY covers the host
                proxy, proxy_auth = None, None
            # Credentials written in the URL win, as with trust_env (aiohttp refuses both).
            auth = _netrc_auth(url.host) if url.user is None else None
            found = self._routes[key] = Route(proxy, proxy_auth, auth)
        return found


class UpdatesRequest(AiohttpRequest):
    """The getUpdates transport, which also keeps each update as Telegram sent it.

    The intake stores every update before it is handled; storing the JSON as received costs a
    tenth of rebuilding it from PTB's objects with `to_dict()` (bench/README.md).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._received: dict[int, JSONDict] = {}

    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        """Parse as PTB does, keeping the updates of a getUpdates answer by id."""
        parsed = BaseRequest.parse_json_payload(payload)
        result = parsed.get("result")
        if isinstance(result, list):
            self._received = {item["update_id"]: item for item in result
                              if isinstance(item, dict) and isinstance(item.get("update_id"), int)}
        return parsed

    def received(self, update_id: int) -> JSONDict | None:
        """The update with this id as Telegram sent it, once (None if not kept)."""
        return self._received.pop(update_id, None)


def _from_bot_api(status: int, payload: bytes) -> bool:
    """Whether an answer is the Bot API's own: a success is a JSON object, a failure a JSON
    object with ok false and error_code equal to the HTTP status. PTB would take any 401 or
    404 for a refused token, 403 for a blocked chat, 400 for a refused message."""
    if 200 <= status <= 299:
        # A cheap look (every call passes here); PTB parses the body itself.
        return payload[:64].lstrip()[:1] == b"{"
    try:
        answer = json.loads(payload)
    except ValueError:
        return False
    return (isinstance(answer, dict) and answer.get("ok") is False
            and answer.get("error_code") == status)


def _body(request_data: RequestData | None, files: UploadFileDict | None,
          ) -> aiohttp.FormData | aiohttp.BytesPayload | None:
    """The parameters as one JSON body (the Bot API takes JSON; a form would encode every
    value as JSON and then the form again), multipart when a file goes along."""
    if request_data is None:
        return None
    if not files:
        return aiohttp.BytesPayload(
            json.dumps(request_data.parameters, ensure_ascii=False).encode(),
            content_type="application/json")
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename or name, content_type=mimetype)
    return form
