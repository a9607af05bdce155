"""Serve a FakeTelegram over HTTP, so a real `oss-bot run` can talk to it.

Point the bot at it with TELEGRAM_API_URL=http://127.0.0.1:PORT/bot . Tests run it in a thread;
`python -m bot.tooling.faketg_server --port N` runs it alone for trying things by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
from typing import Any
from urllib.parse import parse_qsl

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.tooling.faketg import FakeTelegram, JSONDict

_JSON_PARAMS = {
    "reply_markup", "commands", "scope", "allowed_updates", "link_preview_options",
    "entities", "caption_entities", "reply_parameters", "media", "menu_button",
}  # fmt: skip
_INT_PARAMS = {
    "chat_id", "from_chat_id", "message_id", "offset", "limit", "timeout", "cache_time",
    "user_id", "reply_to_message_id", "max_connections",
}  # fmt: skip


def decode_params(fields: dict[str, str]) -> JSONDict:
    """Turn form fields as python-telegram-bot posts them back into JSON values."""
    params: JSONDict = {}
    for name, value in fields.items():
        if name in _JSON_PARAMS:
            params[name] = json.loads(value)
        elif name in _INT_PARAMS:
            try:
                params[name] = int(value)
            except ValueError:
                params[name] = value
        elif value in ("true", "false") and name.startswith(("disable", "show", "drop", "is_")):
            params[name] = value == "true"
        else:
            params[name] = value
    return params


class _MethodHandler(RequestHandler):
    def initialize(self, fake: FakeTelegram, lock: asyncio.Lock) -> None:
        self.fake = fake
        self.lock = lock

    async def post(self, token: str, method: str) -> None:
        fields: dict[str, str] = {}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            fields = {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in json.loads(self.request.body).items()
            }
        elif content_type.startswith("multipart/form-data"):
            fields = {k: v[0].decode() for k, v in self.request.body_arguments.items()}
            for name, files in self.request.files.items():
                fields[name] = f"upload:{name}:{len(files[0]['body'])}"
        elif self.request.body:
            fields = dict(parse_qsl(self.request.body.decode(), keep_blank_values=True))
        fields.update({k: v[0].decode() for k, v in self.request.query_arguments.items()})
        if method == "getUpdates":
            status, body = await self.fake.call(method, decode_params(fields))
        else:
            async with self.lock:
                status, body = await self.fake.call(method, decode_params(fields))
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    get = post


def make_app(fake: FakeTelegram) -> Application:
    """Build the tornado application answering /bot<token>/<method>."""
    lock = asyncio.Lock()
    return Application([(r"/bot([^/]+)/([A-Za-z]+)", _MethodHandler, {"fake": fake, "lock": lock})])


class ServerThread(threading.Thread):
    """Run the fake Bot API server on a free local port in a background thread."""

    def __init__(self, fake: FakeTelegram | None = None) -> None:
        super().__init__(daemon=True)
        self.fake = fake or FakeTelegram()
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._server: HTTPServer | None = None

    @property
    def base_url(self) -> str:
        """Return the value for TELEGRAM_API_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()
        self.loop.close()

    async def _start(self) -> None:
        self.fake._updates_waiting = asyncio.Event()
        self._server = HTTPServer(make_app(self.fake))
        sockets = bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)

    def start_and_wait(self) -> ServerThread:
        """Start the thread and wait until the server listens."""
        self.start()
        self._ready.wait(10)
        return self

    def run_in_loop(self, function: Any, *args: Any) -> Any:
        """Call `function(*args)` inside the server's loop (FakeTelegram is not thread-safe)."""
        assert self.loop is not None

        async def call() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(10)

    def stop(self) -> None:
        """Stop the server and its loop."""
        if self.loop is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(10)


def main() -> None:
    """Serve a fake Bot API until interrupted."""
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API on localhost.")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()

    async def serve() -> None:
        HTTPServer(make_app(FakeTelegram())).listen(args.port, "127.0.0.1")
        print(f"fake Bot API on http://127.0.0.1:{args.port}/bot")
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
