"""A program the component tests run as a server on loopback: started with its output in a log
file, ready once a URL answers 200, stopped as Kubernetes stops a pod."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import requests


class Server:
    """One process; `name` is used in messages, `log_path` collects its stdout and stderr."""

    def __init__(self, name: str, log_path: Path):
        self.name = name
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def launch(self, command: list[str], ready_url: str, env: dict | None = None, cwd: Path | None = None,
               timeout: float = 30.0) -> None:
        """Start `command` and wait until `ready_url` answers 200; raise with the log otherwise."""
        log = self.log_path.open("a")
        self.process = subprocess.Popen(command, stdout=log, stderr=log, cwd=cwd,
                                        env={"PATH": os.environ["PATH"], **(env or {})})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(ready_url, timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log()}")

    def stop(self, timeout: float = 20) -> None:
        """Graceful stop (SIGTERM), as Kubernetes does; SIGKILL after `timeout` seconds."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: what an OOM kill or a node failure does."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
