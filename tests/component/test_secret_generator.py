"""The secret generator's script, run as its Job's pod runs it, against a stand-in API server
at the address Kubernetes gives the pod: an IPv4 literal on IPv4 clusters, a bare IPv6
literal (KUBERNETES_SERVICE_HOST=fd00:10:96::1) on IPv6 and IPv6-first dual-stack ones."""

from __future__ import annotations

import pytest

from harness import secrets_api
from harness.render import render_chart


@pytest.mark.parametrize("api_host", ["127.0.0.1", "::1"], ids=["ipv4", "ipv6"])
def test_secret_generator_reaches_the_api_server_at_an_ipv4_or_ipv6_address(api_host, tmp_path):
    reason = secrets_api.missing_reason()
    if reason:
        pytest.skip(reason)
    manifest = render_chart()
    with secrets_api.SecretsApi(api_host, "observability", tmp_path) as api:
        result = secrets_api.run_secret_generator(manifest, api, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "obs-object-storage-auth" in api.secrets
    assert set(api.decoded("obs-langfuse-secrets")) == {"nextauth-secret", "salt", "encryption-key"}
