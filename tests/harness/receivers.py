"""Stand-ins for the services Alertmanager's receivers deliver to, on loopback: an HTTP server
that records every request (Slack's incoming webhooks, PagerDuty's Events API v2, Teams, a
generic webhook), and an SMTP server with AUTH PLAIN that records every message.

Each checks the credential the way the real service does (the webhook's secret path, the
routing key in the event, the SMTP login), so a delivery that reached them proves Alertmanager
read the credential from its file.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import socketserver
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .network import ServedInBackground, free_port


@dataclass
class Request:
    path: str
    body: dict


class HttpReceiver(ServedInBackground):
    """Records POSTs to `accepted_paths` and refuses any other path (404), as a webhook URL with
    a wrong secret is refused. `routing_key`, when set, is required in a PagerDuty event's body
    (400 otherwise). Accepted requests get `answer` (status, content type, body): Slack's
    incoming webhooks answer 200 with the text "ok" (SLACK), PagerDuty's Events API v2 202
    with JSON (PAGERDUTY)."""

    SLACK = (200, "text/plain", b"ok")
    PAGERDUTY = (202, "application/json", b'{"status": "success", "message": "Event processed"}')

    def __init__(self, accepted_paths: set[str], routing_key: str | None = None,
                 answer: tuple[int, str, bytes] = SLACK):
        self.accepted_paths = accepted_paths
        self.routing_key = routing_key
        self.answer = answer
        self.requests: list[Request] = []
        self.refused: list[Request] = []
        self.port = free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                request = Request(self.path, body)
                accepted = self.path in receiver.accepted_paths and (
                    receiver.routing_key is None or body.get("routing_key") == receiver.routing_key)
                (receiver.requests if accepted else receiver.refused).append(request)
                status, content_type, answer = receiver.answer if accepted else (
                    400 if self.path in receiver.accepted_paths else 404, "text/plain", b"invalid_token")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.url = f"http://127.0.0.1:{self.port}"


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage
    login: str | None = None

    def part(self, content_type: str) -> str:
        """The decoded body part of this type (text/plain, text/html)."""
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part.get_content()
        raise KeyError(f"no {content_type} part in the message; parts: "
                       f"{[p.get_content_type() for p in self.message.walk()]}")


@dataclass
class SmtpReceiver(ServedInBackground):
    """An SMTP server on loopback that advertises AUTH PLAIN and accepts mail only after a
    login with `username` and `password` (535 otherwise). Alertmanager's email notifier logs in
    with Go's smtp.PlainAuth, which sends credentials without TLS to localhost only."""

    username: str
    password: str
    mails: list[Mail] = field(default_factory=list)
    failed_logins: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.port = free_port()
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str):
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self):
                login = sender = None
                recipients: list[str] = []
                self.reply("220 stand-in ESMTP")
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode().rstrip("\r\n")
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-stand-in")
                        self.reply("250 AUTH PLAIN")
                    elif verb == "AUTH":
                        parts = line.split(" ")
                        if len(parts) < 3:
                            self.reply("334 ")
                            parts.append(self.rfile.readline().decode().strip())
                        _, user, password = base64.b64decode(parts[2]).decode().split("\0")
                        if (user, password) == (receiver.username, receiver.password):
                            login = user
                            self.reply("235 2.7.0 Authentication successful")
                        else:
                            receiver.failed_logins.append(user)
                            self.reply("535 5.7.8 Authentication credentials invalid")
                    elif verb == "MAIL":
                        if login is None:
                            self.reply("530 5.7.0 Authentication required")
                            continue
                        sender = line.split(":", 1)[1].strip().strip("<>")
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        message = email.message_from_bytes(b"".join(data), policy=email.policy.default)
                        receiver.mails.append(Mail(sender, recipients, message, login))
                        recipients = []
                        self.reply("250 OK queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True


def wait_until(condition, what: str, timeout: float = 30.0):
    """Poll `condition()` until truthy; TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not seen after {timeout}s")
        time.sleep(0.2)
    return found
