"""A stand-in for an OpenAI-compatible model provider, so the example agent runs without an API key.

It answers POST /v1/chat/completions deterministically: a first call with tools gets a
`search_docs` tool call, a call that carries a tool result gets the final answer. Every answer
reports the same token usage (USAGE), so the dashboards' numbers are known in advance. It refuses
every `rate_limit_every`-th request with HTTP 429 and fails every `error_every`-th with HTTP 500
(0: never), the way a real provider now and then does.

Run it:  python standin_model.py --port 8000   (the agent then uses --base-url http://127.0.0.1:8000/v1)
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Tokens of every completion: prompt (of which cached) and completion.
USAGE = {"prompt_tokens": 120, "completion_tokens": 30, "cached_tokens": 20}


class StandinModel:
    """The server; `start()` runs it in a thread, `serve()` in the foreground."""

    def __init__(self, port: int = 8000, rate_limit_every: int = 0, error_every: int = 0, host: str = "127.0.0.1"):
        self.rate_limit_every = rate_limit_every
        self.error_every = error_every
        self._requests = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.port = self.server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _next_request(self) -> int:
        with self._lock:
            return next(self._requests)

    def answer(self, request: dict) -> tuple[int, dict]:
        """(HTTP status, body) for one chat completion request."""
        number = self._next_request()
        if self.rate_limit_every and number % self.rate_limit_every == 0:
            return 429, {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded",
                                   "code": "rate_limit_exceeded"}}
        if self.error_every and number % self.error_every == 0:
            return 500, {"error": {"message": "The server had an error", "type": "server_error", "code": None}}
        tool_results = [m for m in request.get("messages", []) if m.get("role") == "tool"]
        if request.get("tools") and not tool_results:
            question = request["messages"][-1]["content"]
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"call_{number}", "type": "function",
                "function": {"name": "search_docs", "arguments": json.dumps({"query": question})}}]}
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": f"Based on the docs: {tool_results[-1]['content'] if tool_results else 'no docs'}"}
            finish = "stop"
        return 200, {
            "id": f"chatcmpl-{number}", "object": "chat.completion", "created": int(time.time()),
            "model": request["model"], "system_fingerprint": "standin",
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": USAGE["prompt_tokens"], "completion_tokens": USAGE["completion_tokens"],
                      "total_tokens": USAGE["prompt_tokens"] + USAGE["completion_tokens"],
                      "prompt_tokens_details": {"cached_tokens": USAGE["cached_tokens"]}}}

    def _handler(self):
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    status, reply = 404, {"error": {"message": f"no route {self.path}"}}
                else:
                    status, reply = model.answer(body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> "StandinModel":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def serve(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--rate-limit-every", type=int, default=7, help="answer every Nth request with 429 (0: never)")
    parser.add_argument("--error-every", type=int, default=11, help="answer every Nth request with 500 (0: never)")
    args = parser.parse_args()
    model = StandinModel(args.port, args.rate_limit_every, args.error_every, args.host)
    print(f"stand-in model on {model.base_url}", flush=True)
    model.serve()


if __name__ == "__main__":
    main()
