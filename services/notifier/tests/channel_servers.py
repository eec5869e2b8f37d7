"""Real local servers for the channel tests: an HTTP server in a thread that hands each raw
request to a responder, an aiosmtpd SMTP server, and a self-signed certificate for TLS."""

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RawRequest:
    method: str
    raw_path: str  # as sent, query string included
    headers: dict[str, str]  # lower-case names
    body: bytes


#: (status, headers, body); a dict/list body is sent as JSON
Reply = tuple[int, dict[str, str], Any]
Responder = Callable[[RawRequest], Reply]


@dataclass
class HttpStub:
    url: str
    requests: list[RawRequest] = field(default_factory=list)
    respond: Responder = lambda r: (200, {}, {})
    delay: float = 0.0
    stopping: threading.Event = field(default_factory=threading.Event)


@contextmanager
def http_stub(respond: Responder | None = None) -> Iterator[HttpStub]:
    stub = HttpStub(url="")
    if respond is not None:
        stub.respond = respond

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = RawRequest(
                method=self.command,
                raw_path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length),
            )
            stub.requests.append(request)
            if stub.delay and stub.stopping.wait(stub.delay):
                return
            status, headers, body = stub.respond(request)
            data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            for k, v in {"Content-Type": "application/json; charset=utf-8", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST  # token endpoints (企业微信, 钉钉) are GETs

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.stopping.set()
        server.shutdown()
        server.server_close()


class CapturingHandler:
    """Records accepted messages; `rcpt_reply` / `data_reply` make the server refuse instead."""

    def __init__(self, rcpt_reply: str = "", data_reply: str = "") -> None:
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        #: (MAIL FROM, RCPT TOs, parsed message, raw bytes as received)
        self.messages: list[tuple[str, list[str], EmailMessage, bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed, envelope.original_content))
        return "250 Message accepted"


@contextmanager
def smtp_server(handler: CapturingHandler, **kwargs: Any) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def self_signed_cert(directory: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 made with the openssl command; None when it is missing."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return cert, key


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx
