"""Local ports for programs the component tests start, and what this machine's addresses answer."""

from __future__ import annotations

import ipaddress
import os
import socket
import socketserver
import subprocess
import threading
import time
from pathlib import Path


class ServedInBackground:
    """A context manager for the socketserver in `self.server` (a stand-in the tests talk to):
    served on a daemon thread from `with`, shut down and its socket closed at the end."""

    server: socketserver.BaseServer

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def host_addresses() -> list[str]:
    """This machine's own addresses beyond loopback, IPv4 and IPv6 (no link-local ones: they
    need an interface name). Empty on a machine with loopback only."""
    result = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False)
    return [address for address in result.stdout.split() if not address.startswith("fe80:")]


def answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether a TCP connection to host:port is accepted."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def url_host(host: str) -> str:
    """host as it goes into a URL: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket process `pid` listens on, from /proc; the address
    is "0.0.0.0" or "::" for a socket on every address."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            address, port = local.split(":")
            # /proc prints each 32-bit word of the address in host (little-endian) order.
            raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, len(address), 8))
            found.append((ipaddress.ip_address(raw).compressed if family == socket.AF_INET6
                          else socket.inet_ntop(family, raw), int(port, 16)))
    return found
