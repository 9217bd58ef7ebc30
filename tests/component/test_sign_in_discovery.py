"""LangFuse's and Grafana's rendered sign-in settings against a real OpenID Connect provider.

Dex (v2.45.1, built from its Go module: hack/tools/dex) runs on loopback with the two clients
registered as the rendered values say: LangFuse's `custom` provider (client id, and the callback
LangFuse v4.16.0 uses, <NEXTAUTH_URL>/api/auth/callback/custom: web/src/server/auth.ts and
packages/shared/src/server/auth/customSsoProvider.ts, which reads
<AUTH_CUSTOM_ISSUER>/.well-known/openid-configuration), and Grafana's generic OAuth client
(<GF_SERVER_ROOT_URL>/login/generic_oauth). Dex's discovery document must name the issuer
LangFuse is given and the endpoints Grafana is given, and each client completes a code flow
through Dex (its mock connector signs a user in) back to the redirect URI its application uses,
exchanging the code with the client secret, so a wrong client id, redirect URI or endpoint fails.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import jmespath
import pytest
import requests
import yaml

from harness.network import free_port
from harness.paths import BIN_DIR
from harness.render import render_chart
from harness.server import Server

DEX = BIN_DIR / "dex"
WEB = "obs-langfuse-web"
# The mock connector's user is in this group (Dex connector/mock/connectortest.go).
MOCK_USER_GROUP = "authors"


@pytest.fixture(scope="module")
def dex_port():
    return free_port()


@pytest.fixture(scope="module")
def rendered(dex_port):
    """The chart with LangFuse's generic OIDC provider and Grafana's OAuth pointed at Dex, as a
    user writes them (Dex's issuer, and its endpoints as Dex's documentation names them)."""
    issuer = f"http://127.0.0.1:{dex_port}/dex"
    return render_chart(values={
        "langfuse": {"nextauthUrl": "https://langfuse.example.com",
                     "auth": {"providers": {"custom": {"name": "Dex", "clientId": "langfuse",
                                                       "existingSecret": "langfuse-oidc", "issuer": issuer,
                                                       "scope": "openid email profile groups"}}}},
        "monitoring": {"grafana": {"enabled": True, "rootUrl": "https://grafana.example.com",
                                   "genericOAuth": {"enabled": True, "clientId": "grafana",
                                                    "existingSecret": "grafana-oidc",
                                                    "authUrl": f"{issuer}/auth", "tokenUrl": f"{issuer}/token",
                                                    "apiUrl": f"{issuer}/userinfo",
                                                    "adminGroups": [MOCK_USER_GROUP]}}},
    })


@pytest.fixture(scope="module")
def clients(rendered):
    """What each application will send to the provider, read from the render; the secrets stand
    for the Secrets' contents, which the chart only names."""
    web = rendered.env(WEB, "web")
    grafana = rendered.env("obs-grafana", "grafana")
    return {
        "langfuse": {"id": web["AUTH_CUSTOM_CLIENT_ID"], "secret": secrets.token_urlsafe(24),
                     "redirect": f"{web['NEXTAUTH_URL'].rstrip('/')}/api/auth/callback/custom",
                     "scope": web["AUTH_CUSTOM_SCOPE"], "issuer": web["AUTH_CUSTOM_ISSUER"]},
        "grafana": {"id": grafana["GF_AUTH_GENERIC_OAUTH_CLIENT_ID"], "secret": secrets.token_urlsafe(24),
                    "redirect": urljoin(grafana["GF_SERVER_ROOT_URL"].rstrip("/") + "/", "login/generic_oauth"),
                    "scope": grafana["GF_AUTH_GENERIC_OAUTH_SCOPES"],
                    "auth_url": grafana["GF_AUTH_GENERIC_OAUTH_AUTH_URL"],
                    "token_url": grafana["GF_AUTH_GENERIC_OAUTH_TOKEN_URL"],
                    "api_url": grafana["GF_AUTH_GENERIC_OAUTH_API_URL"],
                    "role_path": grafana["GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH"]},
    }


@pytest.fixture(scope="module")
def dex(tmp_path_factory, dex_port, clients):
    if not DEX.exists():
        pytest.skip("dex is not built: `make tools` builds it from its Go module (hack/tools/dex)")
    directory = tmp_path_factory.mktemp("dex")
    issuer = f"http://127.0.0.1:{dex_port}/dex"
    config = {
        "issuer": issuer,
        "storage": {"type": "memory"},
        "web": {"http": f"127.0.0.1:{dex_port}"},
        "oauth2": {"skipApprovalScreen": True},
        "connectors": [{"type": "mockCallback", "id": "mock", "name": "Example"}],
        "staticClients": [{"id": client["id"], "secret": client["secret"], "name": name,
                           "redirectURIs": [client["redirect"]]} for name, client in clients.items()],
    }
    (directory / "config.yaml").write_text(yaml.safe_dump(config))
    server = Server("dex", directory / "dex.log")
    server.launch([str(DEX), "serve", str(directory / "config.yaml")],
                  ready_url=f"{issuer}/.well-known/openid-configuration")
    yield server
    server.stop()


def sign_in(client: dict, authorization_endpoint: str) -> str:
    """A browser's code flow through Dex for one client, with PKCE as both applications use it;
    returns the code Dex sends to the client's redirect URI."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    url = authorization_endpoint + "?" + urlencode({
        "client_id": client["id"], "redirect_uri": client["redirect"], "response_type": "code",
        "scope": client["scope"], "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    session = requests.Session()
    for _ in range(10):
        answer = session.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), f"Dex refused the sign-in: {answer.status_code} {answer.text[:300]}"
        url = urljoin(url, answer.headers["Location"])
        if url.startswith(client["redirect"]):
            query = parse_qs(urlparse(url).query)
            assert query.get("state") == ["s"], url
            client["verifier"] = verifier
            return query["code"][0]
    raise AssertionError(f"Dex never sent the browser back to {client['redirect']}")


def exchange(client: dict, token_endpoint: str, code: str) -> dict:
    """The code for tokens, the client authenticated with client_secret_basic (LangFuse's default
    AUTH_CUSTOM_CLIENT_AUTH_METHOD, and Grafana's auth_style default)."""
    answer = requests.post(token_endpoint, auth=(client["id"], client["secret"]), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect"],
        "code_verifier": client["verifier"]})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_langfuse_finds_its_issuer_and_completes_a_sign_in(dex, clients):
    client = clients["langfuse"]
    # Where customSsoProvider.ts looks: `${issuer}/.well-known/openid-configuration`.
    discovery = requests.get(f"{client['issuer']}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == client["issuer"]
    tokens = exchange(client, discovery["token_endpoint"], sign_in(client, discovery["authorization_endpoint"]))
    assert "id_token" in tokens


def test_grafanas_endpoints_are_the_providers_and_its_roles_come_from_groups(dex, clients, dex_port):
    client = clients["grafana"]
    discovery = requests.get(f"http://127.0.0.1:{dex_port}/dex/.well-known/openid-configuration", timeout=10).json()
    assert (client["auth_url"], client["token_url"], client["api_url"]) == (
        discovery["authorization_endpoint"], discovery["token_endpoint"], discovery["userinfo_endpoint"])
    tokens = exchange(client, client["token_url"], sign_in(client, client["auth_url"]))
    userinfo = requests.get(client["api_url"], headers={"Authorization": f"Bearer {tokens['access_token']}"},
                            timeout=10).json()
    assert MOCK_USER_GROUP in userinfo["groups"]
    # Grafana evaluates role_attribute_path (JMESPath) on the userinfo answer.
    assert jmespath.search(client["role_path"], userinfo) == "Admin"
