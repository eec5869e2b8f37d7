"""Real servers for the fault-injection run (no tests here): a Redis server of our own that can be
shut down and started again, and three receivers that record the idempotency id of every
message they accept — an SMS gateway that fails some requests, an SMTP server, a webhook
endpoint that verifies Standard Webhooks signatures.

The HTTP server and the aiosmtpd controller follow services/notifier/tests/channel_servers.py
(copied, not imported: test helpers do not import across directories with --import-mode=importlib).
"""

import hashlib
import hmac
import json
import random
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------- Redis


class RedisServer:
    """`redis-server` without persistence on a free port: a shutdown loses everything it held."""

    def __init__(self, directory: Path) -> None:
        server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if server is None or cli is None:
            raise FileNotFoundError("redis-server / redis-cli are not on PATH")
        self.server, self.cli = server, cli
        self.directory = directory
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.starts += 1
        log = (self.directory / f"redis-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            [self.server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.directory)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def shutdown_nosave(self) -> None:
        """What a crash of a Redis without persistence looks like to its clients: everything is gone."""
        subprocess.run([self.cli, "-p", str(self.port), "shutdown", "nosave"], capture_output=True, timeout=10)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# ---------------------------------------------------------------- receivers


@dataclass
class Receiver:
    """What one receiver accepted: every idempotency id, in arrival order, repeats included."""

    name: str
    accepted: list[str] = field(default_factory=list)
    rejected: int = 0  # requests answered with a failure (500, a bad signature)
    slow: set[str] = field(default_factory=set)  # ids answered after the client's timeout
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accept(self, msg_id: str) -> None:
        with self.lock:
            self.accepted.append(msg_id)

    def distinct(self) -> set[str]:
        with self.lock:
            return set(self.accepted)

    def repeats(self) -> Counter[str]:
        """id -> how many times it arrived beyond the first."""
        with self.lock:
            return Counter({k: n - 1 for k, n in Counter(self.accepted).items() if n > 1})


@dataclass
class HttpRequest:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


#: (status, JSON body); runs in the server's request thread
HttpHandler = Callable[[HttpRequest], tuple[int, Any]]


@contextmanager
def http_server(handle: HttpHandler) -> Iterator[str]:
    """A threading HTTP server on a free port handing each POST to `handle`; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = HttpRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            status, body = handle(request)
            data = json.dumps(body, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting (a timeout we caused on purpose)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class FlakySmsGateway:
    """The generic SMS gateway: checks the HMAC, answers 500 to `fail_rate` of the requests and
    sleeps past the client's timeout for `slow_rate` of them (then accepts: the gateway did send
    it, the client just never heard — the resend arrives with the same id)."""

    def __init__(self, secret: str, *, fail_rate: float, slow_rate: float, slow_seconds: float, seed: int) -> None:
        self.secret = secret.encode()
        self.fail_rate, self.slow_rate, self.slow_seconds = fail_rate, slow_rate, slow_seconds
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.received = Receiver("sms")
        self.bad_signatures = 0

    def __call__(self, request: HttpRequest) -> tuple[int, Any]:
        expected = "sha256=" + hmac.new(self.secret, request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("x-rectify-signature", ""), expected):
            self.bad_signatures += 1
            return 401, {"error": "bad signature"}
        msg_id = request.headers.get("idempotency-key") or json.loads(request.body)["id"]
        with self.rng_lock:
            draw = self.rng.random()
        if draw < self.fail_rate:
            self.received.rejected += 1
            return 500, {"error": "gateway overloaded"}
        if draw < self.fail_rate + self.slow_rate:
            time.sleep(self.slow_seconds)
            self.received.slow.add(msg_id)
        self.received.accept(msg_id)
        return 200, {"id": f"gw-{msg_id}"}


class WebhookEndpoint:
    """A subscriber verifying Standard Webhooks signatures; the secret is set once it is known."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.received = Receiver("webhook")
        self.bad_signatures = 0

    def __call__(self, request: HttpRequest) -> tuple[int, Any]:
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        if self.secret is None:
            self.received.rejected += 1
            return 503, {"error": "not ready"}
        try:
            Webhook(self.secret).verify(request.body, request.headers)
        except WebhookVerificationError:
            self.bad_signatures += 1
            return 401, {"error": "bad signature"}
        self.received.accept(request.headers["webhook-id"])
        return 200, {}


class SmtpRecorder:
    """aiosmtpd handler: records the Message-ID of every message it accepts."""

    def __init__(self) -> None:
        self.received = Receiver("email")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.accept(str(parsed["Message-ID"]))
        return "250 Message accepted"


@contextmanager
def smtp_server(handler: SmtpRecorder) -> Iterator[int]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()
