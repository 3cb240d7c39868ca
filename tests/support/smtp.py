"""A real SMTP server on 127.0.0.1 that keeps every message it is given (no relaying)."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        sender, recipients = "", []
        self._say("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self._say("250 sink")
            elif verb == b"MAIL":
                sender, recipients = line.decode().split(":", 1)[1].strip(" <>\r\n"), []
                self._say("250 ok")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip(" <>\r\n"))
                self._say("250 ok")
            elif verb == b"DATA":
                self._say("354 go on")
                body = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk[1:] if chunk.startswith(b"..") else chunk
                sink.messages.append(Received(sender, recipients, bytes(body)))
                self._say("250 kept")
            elif verb == b"QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


def serve() -> tuple[SmtpSink, socketserver.ThreadingTCPServer]:
    """Start a sink on a free loopback port; shut the returned server down when done."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    sink = SmtpSink("127.0.0.1", server.server_address[1])
    server.sink = sink  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return sink, server
