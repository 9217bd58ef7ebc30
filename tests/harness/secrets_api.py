"""A stand-in for the Kubernetes API's Secret endpoints, over HTTPS, and the chart's secret
generator run against it the way its Job runs it in a pod.

Only what `files/generate-secrets.mjs` calls is served: GET, POST and merge-PATCH of Secrets
in one namespace, with the Bearer token checked. The e2e tier runs the generator against a
real API server; this stand-in is for what that server cannot show here, such as an API
address that is an IPv6 literal, as on IPv6 clusters.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import ssl
import subprocess
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .network import ServedInBackground
from .render import Manifest

GENERATOR_CONFIGMAP = "obs-secret-generator"


def missing_reason() -> str | None:
    """Why the generator cannot be run here, or None."""
    if shutil.which("node") is None:
        return "Node.js is not installed: it runs the secret generator's script outside a pod"
    if shutil.which("openssl") is None:
        return "openssl is not installed: it makes the stand-in API server's certificate"
    return None


class SecretsApi(ServedInBackground):
    """Secrets of `namespace` served over HTTPS on `host` (an IPv4 or IPv6 literal)."""

    def __init__(self, host: str, namespace: str, workdir: Path, token: str = "stand-in-token"):
        self.host, self.namespace, self.token = host, namespace, token
        self.secrets: dict[str, dict] = {}
        self.ca_file = workdir / "ca.crt"
        key_file = workdir / "server.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "1", "-subj", "/CN=kubernetes",
                        "-addext", f"subjectAltName=IP:{host}",
                        "-keyout", str(key_file), "-out", str(self.ca_file)], check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key_file)
        server_class = type("Server", (ThreadingHTTPServer,),
                            {"address_family": socket.AF_INET6 if ":" in host else socket.AF_INET})
        self.server = server_class((host, 0), self._handler())
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]

    def decoded(self, name: str) -> dict[str, str]:
        """The stored Secret's data, base64-decoded."""
        return {key: base64.b64decode(value).decode() for key, value in self.secrets[name]["data"].items()}

    def _handler(self):
        api = self
        base = f"/api/v1/namespaces/{api.namespace}/secrets"

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status: int, body: dict):
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def request_body(self) -> dict:
                return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

            def authorised(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {api.token}":
                    return True
                self.reply(401, {"message": "Unauthorized"})
                return False

            def do_GET(self):
                if not self.authorised():
                    return
                name = self.path.removeprefix(f"{base}/")
                if name in api.secrets:
                    self.reply(200, api.secrets[name])
                else:
                    self.reply(404, {"message": f'secrets "{name}" not found'})

            def do_POST(self):
                if not self.authorised():
                    return
                secret = self.request_body()
                name = secret["metadata"]["name"]
                if self.path != base or name in api.secrets:
                    self.reply(409, {"message": f'secrets "{name}" already exists'})
                    return
                api.secrets[name] = secret
                self.reply(201, secret)

            def do_PATCH(self):
                if not self.authorised():
                    return
                name = self.path.removeprefix(f"{base}/")
                if self.headers["Content-Type"] != "application/merge-patch+json" or name not in api.secrets:
                    self.reply(400, {"message": "expected a merge patch of an existing Secret"})
                    return
                api.secrets[name]["data"].update(self.request_body()["data"])
                self.reply(200, api.secrets[name])

        return Handler


def run_secret_generator(manifest: Manifest, api: SecretsApi, workdir: Path) -> subprocess.CompletedProcess:
    """Run the rendered generator (script and spec from its ConfigMap) as its pod would: the
    API address from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which Kubernetes
    sets in every container; the token, CA and namespace the pod would read from its
    ServiceAccount volume come from the environment instead."""
    config_map = manifest.get("ConfigMap", GENERATOR_CONFIGMAP)
    for name, content in config_map["data"].items():
        (workdir / name).write_text(content)
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "KUBERNETES_SERVICE_HOST": api.host,
           "KUBERNETES_SERVICE_PORT": str(api.port), "KUBERNETES_CA_FILE": str(api.ca_file),
           "KUBERNETES_TOKEN": api.token, "KUBERNETES_NAMESPACE": api.namespace}
    return subprocess.run([shutil.which("node"), str(workdir / "generate-secrets.mjs"), str(workdir / "secrets.json")],
                          env=env, capture_output=True, text=True, check=False, timeout=120)
