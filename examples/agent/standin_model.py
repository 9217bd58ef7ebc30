"""A stand-in for a model provider, so the example agent (and the tests) run without an API key.

It speaks two providers' HTTP APIs, deterministically, on loopback:
  OpenAI     POST /v1/chat/completions (also streamed, with usage when stream_options asks)
             POST /v1/embeddings
  Anthropic  POST /v1/messages (also streamed)
A first call with tools gets a `search_docs` tool call; a call that carries a tool result gets the
final answer. Every answer reports the same token usage (USAGE, EMBEDDING_TOKENS), so the
dashboards' numbers are known in advance.

Errors, the way a real provider now and then answers: it refuses every `rate_limit_every`-th
request with HTTP 429 and fails every `error_every`-th with HTTP 500 (0: never); and a request
with the header `X-Standin-Status: 429` (or 500) gets that answer whatever its number, each in the
provider's own error body.

Run it:  python standin_model.py --port 8000
(OpenAI SDK: base_url http://127.0.0.1:8000/v1; Anthropic SDK: base_url http://127.0.0.1:8000)
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Tokens of every chat completion or message: prompt (of which read from the cache) and completion.
# OpenAI counts the cached tokens inside prompt_tokens; Anthropic reports them apart
# (input_tokens = prompt - cached, cache_read_input_tokens = cached).
USAGE = {"prompt_tokens": 120, "completion_tokens": 30, "cached_tokens": 20}
# Tokens of every embeddings request.
EMBEDDING_TOKENS = 8
EMBEDDING_DIMENSIONS = 8
# The header that asks for an error answer.
STATUS_HEADER = "X-Standin-Status"
ANSWER = "Based on the docs: "


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
        """The OpenAI SDK's base URL; the Anthropic SDK's is `anthropic_base_url`."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _next_request(self) -> int:
        with self._lock:
            return next(self._requests)

    def refusal(self, number: int, asked: str | None) -> int | None:
        """The error status this request gets (the header's, else the counters'), or None."""
        if asked in ("429", "500"):
            return int(asked)
        if self.rate_limit_every and number % self.rate_limit_every == 0:
            return 429
        if self.error_every and number % self.error_every == 0:
            return 500
        return None

    def answer(self, request: dict, number: int | None = None) -> tuple[int, dict]:
        """(HTTP status, body) for one chat completion request (not streamed)."""
        number = number or self._next_request()
        status = self.refusal(number, None)
        if status:
            return status, openai_error(status)
        message, finish = chat_message(request, number)
        return 200, {
            "id": f"chatcmpl-{number}", "object": "chat.completion", "created": int(time.time()),
            "model": request["model"], "system_fingerprint": "standin",
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": openai_usage()}

    def _handler(self):
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                route = self.path.split("?")[0].rstrip("/")
                if route not in ("/v1/chat/completions", "/v1/embeddings", "/v1/messages"):
                    return self.reply(404, {"error": {"message": f"no route {self.path}"}})
                number = model._next_request()
                status = model.refusal(number, self.headers.get(STATUS_HEADER))
                if status:
                    return self.reply(status, anthropic_error(status) if route == "/v1/messages"
                                      else openai_error(status))
                if route == "/v1/embeddings":
                    return self.reply(200, embeddings(body))
                if route == "/v1/messages":
                    if body.get("stream"):
                        return self.stream(anthropic_events(body, number))
                    return self.reply(200, anthropic_message(body, number))
                if body.get("stream"):
                    return self.stream(openai_chunks(body, number))
                return self.reply(*model.answer(body, number))

            def reply(self, status: int, reply: dict) -> None:
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.end_headers()
                self.wfile.write(data)

            def stream(self, events) -> None:
                """Server-sent events: (event name or None, data) pairs; the connection then closes."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                for event, data in events:
                    prefix = f"event: {event}\n" if event else ""
                    text = data if isinstance(data, str) else json.dumps(data)
                    self.wfile.write(f"{prefix}data: {text}\n\n".encode())
                    self.wfile.flush()
                self.close_connection = True

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


def openai_usage() -> dict:
    return {"prompt_tokens": USAGE["prompt_tokens"], "completion_tokens": USAGE["completion_tokens"],
            "total_tokens": USAGE["prompt_tokens"] + USAGE["completion_tokens"],
            "prompt_tokens_details": {"cached_tokens": USAGE["cached_tokens"]},
            "completion_tokens_details": {"reasoning_tokens": 0}}


def openai_error(status: int) -> dict:
    """OpenAI's error body for a 429 or a 500."""
    if status == 429:
        return {"error": {"message": "Rate limit reached", "type": "requests", "param": None,
                          "code": "rate_limit_exceeded"}}
    return {"error": {"message": "The server had an error", "type": "server_error", "param": None, "code": None}}


def anthropic_error(status: int) -> dict:
    """Anthropic's error body for a 429 or a 500."""
    kind = "rate_limit_error" if status == 429 else "api_error"
    return {"type": "error", "error": {"type": kind, "message": "Rate limit reached" if status == 429
                                       else "Internal server error"}}


def chat_message(request: dict, number: int) -> tuple[dict, str]:
    """(OpenAI assistant message, finish reason): a tool call when tools are offered and no
    tool result came back yet, else the answer."""
    messages = request.get("messages", [])
    tool_results = [m for m in messages if m.get("role") == "tool"]
    if request.get("tools") and not tool_results:
        question = text_of(messages[-1].get("content")) if messages else ""
        return {"role": "assistant", "content": None, "tool_calls": [{
            "id": f"call_{number}", "type": "function",
            "function": {"name": "search_docs", "arguments": json.dumps({"query": question})}}]}, "tool_calls"
    found = text_of(tool_results[-1]["content"]) if tool_results else "no docs"
    return {"role": "assistant", "content": ANSWER + found}, "stop"


def text_of(content) -> str:
    """The text of a message's content: a string, or a list of content parts."""
    if isinstance(content, list):
        return " ".join(str(part.get("text") or part.get("content") or "") for part in content
                        if isinstance(part, dict))
    return str(content or "")


def openai_chunks(request: dict, number: int):
    """A streamed chat completion: the answer in two content chunks, the finish chunk, and with
    stream_options.include_usage a last chunk with the usage and no choices."""
    message, finish = chat_message(request, number)
    base = {"id": f"chatcmpl-{number}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": request["model"], "system_fingerprint": "standin"}
    deltas = []
    if message.get("tool_calls"):
        [call] = message["tool_calls"]
        deltas.append({"role": "assistant", "content": None, "tool_calls": [{"index": 0, **call}]})
    else:
        text = message["content"]
        deltas += [{"role": "assistant", "content": text[:10]}, {"content": text[10:]}]
    include_usage = (request.get("stream_options") or {}).get("include_usage")
    for delta in deltas:
        yield None, {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None, "logprobs": None}],
                     **({"usage": None} if include_usage else {})}
    yield None, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish, "logprobs": None}],
                 **({"usage": None} if include_usage else {})}
    if include_usage:
        yield None, {**base, "choices": [], "usage": openai_usage()}
    yield None, "[DONE]"


def embeddings(request: dict) -> dict:
    inputs = request.get("input")
    count = len(inputs) if isinstance(inputs, list) and inputs and not isinstance(inputs[0], int) else 1
    vector = [round(1 / EMBEDDING_DIMENSIONS ** 0.5, 6)] * EMBEDDING_DIMENSIONS
    if request.get("encoding_format") == "base64":
        import base64
        import struct
        vector = base64.b64encode(struct.pack(f"<{EMBEDDING_DIMENSIONS}f", *vector)).decode()
    return {"object": "list", "model": request.get("model"),
            "data": [{"object": "embedding", "index": i, "embedding": vector} for i in range(count)],
            "usage": {"prompt_tokens": EMBEDDING_TOKENS, "total_tokens": EMBEDDING_TOKENS}}


def anthropic_usage(output_tokens: int) -> dict:
    return {"input_tokens": USAGE["prompt_tokens"] - USAGE["cached_tokens"], "output_tokens": output_tokens,
            "cache_read_input_tokens": USAGE["cached_tokens"], "cache_creation_input_tokens": 0}


def anthropic_content(request: dict, number: int) -> tuple[list, str]:
    """(content blocks, stop reason) of Anthropic's answer: a tool_use block when tools are
    offered and no tool_result came back yet, else the answer's text."""
    messages = request.get("messages", [])
    results = [part for m in messages if isinstance(m.get("content"), list) for part in m["content"]
               if isinstance(part, dict) and part.get("type") == "tool_result"]
    if request.get("tools") and not results:
        question = text_of(messages[-1].get("content")) if messages else ""
        return [{"type": "tool_use", "id": f"toolu_{number}", "name": "search_docs",
                 "input": {"query": question}}], "tool_use"
    found = text_of(results[-1]["content"]) if results else "no docs"
    return [{"type": "text", "text": ANSWER + found}], "end_turn"


def anthropic_message(request: dict, number: int) -> dict:
    content, stop = anthropic_content(request, number)
    return {"id": f"msg_{number}", "type": "message", "role": "assistant", "model": request["model"],
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": anthropic_usage(USAGE["completion_tokens"])}


def anthropic_events(request: dict, number: int):
    """A streamed message as Anthropic sends it: message_start carries the input usage (and
    one output token so far), message_delta the final output tokens."""
    content, stop = anthropic_content(request, number)
    yield "message_start", {"type": "message_start", "message": {
        "id": f"msg_{number}", "type": "message", "role": "assistant", "model": request["model"], "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": anthropic_usage(1)}}
    for index, block in enumerate(content):
        if block["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": {"type": "text", "text": ""}}
            for piece in (block["text"][:10], block["text"][10:]):
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "text_delta", "text": piece}}
        else:
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": {**block, "input": {}}}
            yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": {
                "type": "input_json_delta", "partial_json": json.dumps(block["input"])}}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield "message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                            "usage": {"output_tokens": USAGE["completion_tokens"]}}
    yield "message_stop", {"type": "message_stop"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--rate-limit-every", type=int, default=7, help="answer every Nth request with 429 (0: never)")
    parser.add_argument("--error-every", type=int, default=11, help="answer every Nth request with 500 (0: never)")
    args = parser.parse_args()
    model = StandinModel(args.port, args.rate_limit_every, args.error_every, args.host)
    print(f"stand-in model on {model.base_url} (OpenAI) and {model.anthropic_base_url} (Anthropic)", flush=True)
    model.serve()


if __name__ == "__main__":
    main()
