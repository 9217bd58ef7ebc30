"""Sign-in and mail: LangFuse's SSO providers (web only), one mail server for LangFuse and
Alertmanager, Grafana's generic OAuth, and the network paths they need, from values alone and
with every secret by reference."""

import re

import pytest
import yaml

from harness.network_policy import egress_ports_to_anywhere, policies_selecting
from harness.paths import REPO_ROOT, SUBCHARTS
from harness.render import RenderError, pod_template, render_chart

ENV_NAMES_FILE = REPO_ROOT / "tests" / "unit" / "data" / "langfuse-v4.16.0-env-names.txt"
UMBRELLA_README = REPO_ROOT / "charts" / "agent-observability" / "README.md"
LANGFUSE_SCHEMA = REPO_ROOT / "charts" / "agent-observability" / "charts" / "langfuse" / "values.schema.json"
# Read by Kubernetes alone: it expands $(AGENT_OBSERVABILITY_SMTP_PASSWORD) into SMTP_CONNECTION_URL.
EXPANSION_ONLY = {"AGENT_OBSERVABILITY_SMTP_PASSWORD"}
RUNTIME_ENV_NAMES = {"NODE_OPTIONS", "TZ", "HOSTNAME", "PORT"}
WEB, WORKER = "obs-langfuse-web", "obs-langfuse-worker"
SMTP = {"host": "smtp.example.com", "port": 587, "username": "alerts@example.com",
        "existingSecret": "smtp-credentials", "from": "observability@example.com"}
OKTA = {"clientId": "0oa1example", "existingSecret": "langfuse-okta", "issuer": "https://example.okta.com"}


def readme_examples() -> dict[str, dict]:
    """The values examples of the README's "Sign-in and e-mail", by their marker."""
    text = UMBRELLA_README.read_text()
    return {name: yaml.safe_load(body) for name, body in
            re.findall(r"<!-- sign-in example: (.+?) -->\n```yaml\n(.*?)```", text, flags=re.DOTALL)}


def known_langfuse_names() -> set[str]:
    return {line for line in ENV_NAMES_FILE.read_text().splitlines() if line and not line.startswith("#")}


def langfuse_pods(manifest):
    """(workload name, container name, container) of web, worker and the migration Job."""
    names = [WEB, WORKER] + [job["metadata"]["name"] for job in manifest.workloads("migration")]
    for name in names:
        for container_name, container in manifest.containers(name).items():
            yield name, container_name, container


def test_the_readme_has_an_example_for_every_provider_family_langfuse_offers():
    examples = readme_examples()
    shown = {provider for values in examples.values()
             for provider in values.get("langfuse", {}).get("auth", {}).get("providers", {})}
    schema = yaml.safe_load(LANGFUSE_SCHEMA.read_text())
    offered = set(schema["properties"]["auth"]["properties"]["providers"]["propertyNames"]["enum"])
    assert shown == offered


@pytest.mark.parametrize("example", sorted(readme_examples()))
def test_each_readme_example_renders_and_its_variables_are_ones_langfuse_reads(example):
    manifest = render_chart(values=readme_examples()[example])
    known = known_langfuse_names()
    for name, container_name, container in langfuse_pods(manifest):
        unknown = {var["name"] for var in container.get("env", [])} - known - RUNTIME_ENV_NAMES - EXPANSION_ONLY
        assert not unknown, f"{name}/{container_name} sets variables LangFuse v4.16.0 never reads: {unknown}"
    web = manifest.env(WEB, "web")
    assert any(name.startswith("AUTH_") and name.endswith("_CLIENT_ID") for name in web)


def every_setting_of_every_provider():
    """Each provider with every setting it takes, so every variable the chart can write is rendered."""
    schema = yaml.safe_load(LANGFUSE_SCHEMA.read_text())
    providers = schema["properties"]["auth"]["properties"]["providers"]
    samples = {"allowedDomains": ["example.com"], "allowAccountLinking": True, "clientAuthMethod": "client_secret_post",
               "checks": ["pkce", "state"], "idTokenSignedResponseAlg": "RS256"}
    rejected = re.compile(r"does not take (.+?) \(")
    values = {}
    for provider in providers["propertyNames"]["enum"]:
        settings = {key: samples.get(key, f"https://{key.lower()}.example.com")
                    for key in providers["additionalProperties"]["properties"]}
        settings |= {"clientId": "id", "existingSecret": f"{provider}-client", "clientSecretKey": "secret"}
        # Keep what this provider takes: the chart names what it does not.
        try:
            render_chart(values={"langfuse": {"auth": {"providers": {provider: settings}}}}, validate=False)
        except RenderError as error:
            for key in rejected.search(str(error)).group(1).split(", "):
                settings.pop(key)
        values[provider] = settings
    return values


def test_every_variable_a_provider_setting_becomes_is_one_langfuse_reads():
    providers = every_setting_of_every_provider()
    manifest = render_chart(values={"langfuse": {"auth": {"providers": providers, "disableUsernamePassword": True,
                                                          "ssoEnforcedDomains": ["example.com"],
                                                          "sessionMaxAgeMinutes": 600, "ssoTimeoutSeconds": 10}},
                                    "global": {"smtp": SMTP}})
    env = manifest.env(WEB, "web")
    rendered = {name for name in env if name.startswith(("AUTH_", "SMTP_", "EMAIL_"))}
    assert rendered - known_langfuse_names() == set()
    # Every provider, every setting it takes (each provider's prefix shows up with each of them).
    assert len([name for name in rendered if name.endswith("_CLIENT_SECRET")]) == len(providers)
    assert env["AUTH_SSO_TIMEOUT"] == "10000"


def test_sign_in_reaches_web_alone_and_mail_web_and_worker_never_the_migration_job():
    manifest = render_chart(values={"global": {"smtp": SMTP}, "langfuse": {"auth": {"providers": {"okta": OKTA}}}})
    for name, container_name, container in langfuse_pods(manifest):
        names = {var["name"] for var in container.get("env", [])} | set(manifest.env(name, container_name))
        signs_in = (name, container_name) == (WEB, "web")
        sends_mail = (name, container_name) in {(WEB, "web"), (WORKER, "worker")}
        assert ("AUTH_OKTA_CLIENT_ID" in names) == signs_in, (name, container_name)
        assert ("SMTP_CONNECTION_URL" in names) == sends_mail, (name, container_name)


def test_no_secret_value_is_rendered_every_credential_is_a_secret_reference():
    manifest = render_chart(values={
        "global": {"smtp": SMTP},
        "langfuse": {"auth": {"providers": {"okta": OKTA, "azureAd": {
            "clientId": "a", "existingSecret": "langfuse-azure", "clientSecretKey": "secret", "tenantId": "t"}}}},
        "monitoring": {"grafana": {"enabled": True, "rootUrl": "https://grafana.example.com", "genericOAuth": {
            "enabled": True, "clientId": "grafana", "existingSecret": "grafana-oidc",
            "authUrl": "https://example.okta.com/oauth2/v1/authorize",
            "tokenUrl": "https://example.okta.com/oauth2/v1/token",
            "apiUrl": "https://example.okta.com/oauth2/v1/userinfo"}}}})
    web = manifest.env(WEB, "web")
    assert web["AUTH_OKTA_CLIENT_SECRET"] == ("secret", "langfuse-okta", "client-secret")
    assert web["AUTH_AZURE_AD_CLIENT_SECRET"] == ("secret", "langfuse-azure", "secret")
    grafana = manifest.env("obs-grafana", "grafana")
    assert grafana["GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET"] == ("secret", "grafana-oidc", "client-secret")
    assert grafana["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    for deployment, container in ((WEB, "web"), (WORKER, "worker")):
        env = manifest.containers(deployment)[container]["env"]
        order = [var["name"] for var in env]
        password = next(var for var in env if var["name"] == "AGENT_OBSERVABILITY_SMTP_PASSWORD")
        assert password["valueFrom"]["secretKeyRef"] == {"name": "smtp-credentials", "key": "password"}
        url = next(var for var in env if var["name"] == "SMTP_CONNECTION_URL")["value"]
        # Kubernetes expands only variables defined before the one that references them.
        assert order.index("AGENT_OBSERVABILITY_SMTP_PASSWORD") < order.index("SMTP_CONNECTION_URL")
        assert url == "smtp://alerts%40example.com:$(AGENT_OBSERVABILITY_SMTP_PASSWORD)@smtp.example.com:587?requireTLS=true"
    # No client secret or mail password is carried by a ConfigMap, however the chart names it.
    for config_map in manifest.of_kind("ConfigMap"):
        assert not {key for key in config_map.get("data", {}) if re.search("SECRET|SMTP|PASSWORD", key)}, \
            config_map["metadata"]["name"]


@pytest.mark.parametrize("tls, url", [
    ("tls", "smtps://relay.example.com:465"),
    ("none", "smtp://relay.example.com:25?ignoreTLS=true"),
])
def test_the_mail_url_says_how_the_connection_is_secured(tls, url):
    port = 465 if tls == "tls" else 25
    manifest = render_chart(values={"global": {"smtp": {"host": "relay.example.com", "port": port, "tls": tls,
                                                        "from": "langfuse@example.com"}}})
    assert manifest.env(WEB, "web")["SMTP_CONNECTION_URL"] == url


def test_a_whole_connection_url_from_a_secret_replaces_the_composed_one():
    manifest = render_chart(values={"langfuse": {"email": {"existingSecret": "langfuse-ses",
                                                           "fromAddress": "langfuse@example.com"}}})
    env = manifest.env(WORKER, "worker")
    assert env["SMTP_CONNECTION_URL"] == ("secret", "langfuse-ses", "connection-url")
    assert env["EMAIL_FROM_ADDRESS"] == "langfuse@example.com"


def test_an_email_receiver_takes_the_release_mail_server():
    manifest = render_chart(values={"global": {"smtp": SMTP}, "monitoring": {"alertmanager": {
        "route": {"receiver": "oncall"}, "receivers": [{"name": "oncall", "email": {"to": "oncall@example.com"}}]}}})
    [config_map] = [cm for cm in manifest.of_kind("ConfigMap") if cm["metadata"]["name"] == "obs-alertmanager"]
    config = yaml.safe_load(config_map["data"]["alertmanager.yml"])
    [email] = next(r for r in config["receivers"] if r["name"] == "oncall")["email_configs"]
    assert {key: email[key] for key in ("smarthost", "from", "auth_username", "auth_password_file", "require_tls")} == {
        "smarthost": "smtp.example.com:587", "from": "observability@example.com", "auth_username": "alerts@example.com",
        "auth_password_file": "/etc/alertmanager/secrets/smtp-credentials/password", "require_tls": True}
    [statefulset] = [s for s in manifest.of_kind("StatefulSet") if s["metadata"]["name"] == "obs-alertmanager"]
    mounted = {volume["secret"]["secretName"] for volume in pod_template(statefulset)["spec"]["volumes"] if "secret" in volume}
    assert "smtp-credentials" in mounted


def test_grafana_maps_roles_from_groups():
    manifest = render_chart(values={"monitoring": {"grafana": {
        "enabled": True, "rootUrl": "https://grafana.example.com", "genericOAuth": {
            "enabled": True, "clientId": "grafana", "existingSecret": "grafana-oidc",
            "authUrl": "https://idp.example.com/auth", "tokenUrl": "https://idp.example.com/token",
            "apiUrl": "https://idp.example.com/userinfo", "adminGroups": ["obs-admins"],
            "editorGroups": ["ml", "sre"]}}}})
    env = manifest.env("obs-grafana", "grafana")
    assert env["GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH"] == (
        "contains(groups[*], 'obs-admins') && 'Admin' || "
        "(contains(groups[*], 'ml') || contains(groups[*], 'sre')) && 'Editor' || 'Viewer'")


REFUSED = [
    pytest.param({"langfuse": {"auth": {"providers": {"okta": {"clientId": "a", "existingSecret": "s"}}}}},
                 "auth.providers.okta needs issuer", id="okta-without-issuer"),
    pytest.param({"langfuse": {"auth": {"providers": {"azureAd": {"clientId": "a"}}}}},
                 "auth.providers.azureAd needs existingSecret, tenantId", id="azure-ad-without-secret-and-tenant"),
    pytest.param({"langfuse": {"auth": {"providers": {"custom": {"clientId": "a", "existingSecret": "s",
                                                                   "issuer": "https://sso.example.com"}}}}},
                 "auth.providers.custom needs name", id="custom-without-its-name"),
    pytest.param({"langfuse": {"auth": {"providers": {"okta": OKTA | {"tenantId": "t"}}}}},
                 "auth.providers.okta does not take tenantId", id="a-setting-the-provider-never-reads"),
    pytest.param({"langfuse": {"auth": {"disableUsernamePassword": True}}},
                 "auth.disableUsernamePassword is true but auth.providers is empty: nobody could sign in",
                 id="no-way-to-sign-in"),
    pytest.param({"langfuse": {"auth": {"ssoEnforcedDomains": ["example.com"]}}},
                 "auth.ssoEnforcedDomains (example.com) must sign in through a provider", id="enforced-without-provider"),
    pytest.param({"global": {"smtp": {"host": "smtp.example.com", "username": "u", "from": "a@example.com"}}},
                 "global.smtp.username (u) is set: also set global.smtp.existingSecret", id="smtp-login-without-password"),
    pytest.param({"global": {"smtp": {"host": "smtp.example.com"}}},
                 "also set the sender, global.smtp.from", id="smtp-without-sender"),
    pytest.param({"monitoring": {"grafana": {"enabled": True, "genericOAuth": {"enabled": True, "clientId": "g"}}}},
                 "grafana.genericOAuth.enabled is true: set grafana.genericOAuth.existingSecret, "
                 "grafana.genericOAuth.authUrl, grafana.genericOAuth.tokenUrl, grafana.genericOAuth.apiUrl, grafana.rootUrl",
                 id="grafana-oauth-incomplete"),
    pytest.param({"monitoring": {"grafana": {"enabled": True, "anonymousViewers": True, "rootUrl": "https://g.example.com",
                                             "genericOAuth": {"enabled": True, "clientId": "g", "existingSecret": "s",
                                                              "authUrl": "https://i/a", "tokenUrl": "https://i/t",
                                                              "apiUrl": "https://i/u"}}}},
                 "anonymous viewers would bypass single sign-on", id="grafana-anonymous-beside-sso"),
]


@pytest.mark.parametrize("values, message", REFUSED)
def test_incomplete_or_contradictory_sign_in_is_refused_with_what_to_set(values, message):
    with pytest.raises(RenderError) as error:
        render_chart(values=values)
    assert message in str(error.value)


def labels_of(manifest, workload_name):
    return pod_template(manifest.workload(workload_name))["metadata"]["labels"]


def test_network_policies_admit_smtp_and_the_identity_provider_when_they_are_on():
    values = {"global": {"networkPolicy": {"enabled": True}, "smtp": SMTP},
              "langfuse": {"auth": {"providers": {"keycloak": {
                  "clientId": "langfuse", "existingSecret": "kc", "issuer": "https://keycloak.example.com:8443/realms/x"}}}},
              "monitoring": {"grafana": {"enabled": True, "rootUrl": "https://grafana.example.com", "genericOAuth": {
                  "enabled": True, "clientId": "g", "existingSecret": "g", "authUrl": "https://idp.example.com:9443/auth",
                  "tokenUrl": "https://idp.example.com:9443/token", "apiUrl": "https://idp.example.com:9443/userinfo"}},
                  "alertmanager": {"route": {"receiver": "mail"}, "receivers": [{"name": "mail", "email": {"to": "o@example.com"}}]}}}
    manifest = render_chart(values=values)
    web = egress_ports_to_anywhere(manifest, labels_of(manifest, WEB))
    worker = egress_ports_to_anywhere(manifest, labels_of(manifest, WORKER))
    [job] = manifest.workloads("migration")
    migration = egress_ports_to_anywhere(manifest, labels_of(manifest, job["metadata"]["name"]))
    assert {587, 443, 8443} <= web
    assert 587 in worker and 8443 not in worker
    assert not {587, 8443} & migration
    assert 9443 in egress_ports_to_anywhere(manifest, labels_of(manifest, "obs-grafana"))
    assert 587 in egress_ports_to_anywhere(manifest, labels_of(manifest, "obs-alertmanager"))


# Each chart's pods, by a workload's name, inside the umbrella (monitoring with Grafana on).
WORKLOADS = {"langfuse": WEB, "postgres": "obs-postgres", "clickhouse": "obs-clickhouse", "valkey": "obs-valkey",
             "object-storage": "obs-object-storage", "otel-collector": "obs-otel-collector",
             "monitoring": "obs-grafana"}


@pytest.mark.parametrize("chart", sorted(WORKLOADS))
def test_every_chart_accepts_extra_egress_ports_and_peers(chart):
    assert chart in {path.name for path in SUBCHARTS}
    values = {"global": {"networkPolicy": {"enabled": True}}, chart: {"networkPolicy": {
        "extraEgressPorts": [3128],
        "extraEgress": [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": 8200, "protocol": "TCP"}]}]}}}
    if chart == "monitoring":
        values[chart]["grafana"] = {"enabled": True}
    manifest = render_chart(values=values)
    labels = labels_of(manifest, WORKLOADS[chart])
    assert 3128 in egress_ports_to_anywhere(manifest, labels)
    peers = [rule for policy in policies_selecting(manifest, labels) for rule in policy["spec"].get("egress", [])
             if rule.get("to") == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]]
    assert peers and peers[0]["ports"] == [{"port": 8200, "protocol": "TCP"}]
