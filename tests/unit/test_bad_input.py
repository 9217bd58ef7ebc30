"""A bad values file gets a clear error at render time, never a broken manifest."""

import pytest

from harness.charts import merged, values_passed_to
from harness.paths import SUBCHARTS
from harness.render import RenderError, render_chart

SHORT_KEY = {"existingSecret": "", "nextauthSecret": "nextauth-value", "salt": "salt-value",
             "encryptionKey": "abc123"}

BAD_VALUES = [
    # YAML reads `name: 7` as a number, which every pod's imagePullSecrets then carried (fuzzed values).
    pytest.param({"global": {"imagePullSecrets": [{"name": 7}]}},
                 "at '/global/imagePullSecrets/0/name': got number, want string",
                 id="a-pull-secret-named-by-a-number"),
    pytest.param({"monitoring": {"grafana": {"replicas": 2}}},
                 "grafana.replicas is 2 with grafana.database.type sqlite3: each replica would keep its own "
                 "users and sessions in its own file. Set grafana.database (type postgres or mysql, host, "
                 "existingSecret) to a shared database, or grafana.replicas to 1",
                 id="grafana-replicas-on-sqlite"),
    pytest.param({"monitoring": {"grafana": {"replicas": 2, "persistence": {"enabled": True}, "database": {
                     "type": "postgres", "host": "db:5432", "existingSecret": "grafana-db"}}}},
                 "grafana.persistence.enabled keeps SQLite's file on one ReadWriteOnce claim",
                 id="grafana-replicas-on-one-claim"),
    pytest.param({"monitoring": {"grafana": {"database": {"type": "mysql"}}}},
                 "grafana.database.type is mysql: set grafana.database.host (host:port) and "
                 "grafana.database.existingSecret",
                 id="grafana-database-without-host"),
    pytest.param({"grafana-provisioning": {"prometheus": {"enabled": False}}},
                 "grafana-provisioning is now called monitoring (it runs Prometheus and Grafana as well as "
                 "provisioning them): move your grafana-provisioning values (prometheus) under monitoring",
                 id="the-monitoring-charts-old-key"),
    pytest.param({"postgres": {"enabled": False}},
                 "set database.host to your PostgreSQL's host (and database.existingSecret) "
                 "(in agent-observability: langfuse.database.host, which the bundled store fills in only while "
                 "postgres.enabled is true)",
                 id="external-database-without-host"),
    pytest.param({"postgres": {"enabled": False}, "langfuse": {"database": {"host": "db.example.com"}}},
                 "set database.existingSecret to the Secret holding the PostgreSQL password",
                 id="external-database-without-password"),
    pytest.param({"clickhouse": {"enabled": False}},
                 "set clickhouse.host to your ClickHouse's host",
                 id="external-clickhouse-without-host"),
    pytest.param({"valkey": {"enabled": False}},
                 "set redis.host to your Valkey or Redis host",
                 id="external-redis-without-host"),
    pytest.param({"object-storage": {"enabled": False}},
                 "set s3.bucket to your bucket (and s3.region)",
                 id="external-s3-without-bucket"),
    pytest.param({"object-storage": {"enabled": False}, "langfuse": {"s3": {"bucket": "my-events"}}},
                 "set s3.region to the region of bucket my-events",
                 id="external-s3-without-region"),
    pytest.param({"langfuse": {"database": {"host": "db.example.com"}}},
                 "langfuse.database.host is db.example.com while the bundled PostgreSQL runs (postgres.enabled "
                 "is true): LangFuse would connect to db.example.com with the bundled store's credentials. For "
                 "your own PostgreSQL set postgres.enabled=false (and langfuse.database.existingSecret); for the "
                 "bundled one, unset langfuse.database.host",
                 id="external-database-host-beside-the-bundled-one"),
    pytest.param({"langfuse": {"clickhouse": {"host": "ch.example.com"}}},
                 "langfuse.clickhouse.host is ch.example.com while the bundled ClickHouse runs (clickhouse.enabled "
                 "is true): LangFuse would connect to ch.example.com with the bundled store's credentials. For "
                 "your own ClickHouse set clickhouse.enabled=false (and langfuse.clickhouse.existingSecret); for "
                 "the bundled one, unset langfuse.clickhouse.host",
                 id="external-clickhouse-host-beside-the-bundled-one"),
    pytest.param({"langfuse": {"redis": {"host": "cache.example.com"}}},
                 "langfuse.redis.host is cache.example.com while the bundled Valkey runs (valkey.enabled is true): "
                 "LangFuse would connect to cache.example.com with the bundled store's credentials. For your own "
                 "Valkey or Redis set valkey.enabled=false (and langfuse.redis.existingSecret, when it has a "
                 "password); for the bundled one, unset langfuse.redis.host",
                 id="external-redis-host-beside-the-bundled-one"),
    pytest.param({"langfuse": {"s3": {"endpoint": "https://s3.example.com"}}},
                 "langfuse.s3.endpoint is https://s3.example.com while the bundled object storage runs "
                 "(object-storage.enabled is true): LangFuse would connect to https://s3.example.com with the "
                 "bundled store's credentials. For your own S3 set object-storage.enabled=false (and "
                 "langfuse.s3.bucket, region and existingSecret); for the bundled one, unset langfuse.s3.endpoint",
                 id="external-s3-endpoint-beside-the-bundled-one"),
    pytest.param({"langfuse": {"enabled": False}},
                 "langfuse.enabled is false, but otel-collector.langfuse.endpoint still points at this "
                 "release's LangFuse: set it to your LangFuse's OTLP endpoint",
                 id="collector-without-langfuse"),
    pytest.param({"langfuse": {"secrets": SHORT_KEY}},
                 "secrets.encryptionKey must be exactly 64 hex characters (openssl rand -hex 32), got 6 characters",
                 id="encryption-key-of-the-wrong-length"),
    pytest.param({"langfuse": {"secrets": {"nextauthSecret": "nextauth-value", "salt": "salt-value"}}},
                 "langfuse: secrets.nextauthSecret, secrets.salt are set, but secrets.existingSecret "
                 "(obs-langfuse-secrets) takes precedence and they would be ignored: put them into that Secret "
                 "(keys nextauth-secret, salt, encryption-key) and unset them here, or set secrets.existingSecret "
                 "to \"\" to keep all three of secrets.nextauthSecret, secrets.salt and secrets.encryptionKey in a "
                 "Secret of this chart",
                 id="secret-values-beside-an-existing-secret"),
    pytest.param({"langfuse": {"nextauthUrl": "langfuse.example.com"}},
                 "langfuse: nextauthUrl (langfuse.example.com) must be the URL users open LangFuse at, scheme "
                 "included, e.g. https://langfuse.example.com",
                 id="nextauth-url-without-scheme"),
    pytest.param({"otel-collector": {"destinations": {"otlp": {
                  "enabled": True, "protocol": "http", "endpoint": "jaeger-collector.jaeger:4318"}}}},
                 "otel-collector: destinations.otlp.protocol is http: set destinations.otlp.endpoint to the "
                 "backend's base URL, e.g. http://jaeger-collector.jaeger:4318 (got jaeger-collector.jaeger:4318)",
                 id="otlp-http-endpoint-without-scheme"),
    pytest.param({"langfuse": {"web": {"replica": 2}}},
                 "additional properties 'replica' not allowed",
                 id="unknown-key"),
    pytest.param({"langfuse": {"web": {"replicas": "two"}}},
                 "got string, want integer",
                 id="wrong-type"),
    pytest.param({"langfuse": {"logging": {"level": "verbose"}}},
                 "logging/level",
                 id="value-outside-its-enum"),
    pytest.param({"langfuse": {"web": {"ingress": {"enabled": True}}}},
                 "web.ingress.enabled is true: set web.ingress.host",
                 id="ingress-without-host"),
    pytest.param({"langfuse": {"worker": {"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 2}}}},
                 "worker.autoscaling.minReplicas (5) is above maxReplicas (2)",
                 id="autoscaling-bounds-reversed"),
    pytest.param({"otel-collector": {"sampling": {"enabled": True, "routeByTraceId": False}, "replicas": 3}},
                 "otel-collector: sampling.routeByTraceId is false with more than one replica",
                 id="sampling-per-replica-with-several-replicas"),
    pytest.param({"otel-collector": {"sampling": {"enabled": True}, "langfuse": {"sampled": False}}},
                 "otel-collector: sampling.enabled is true but no destination that is on has sampled: true",
                 id="sampling-without-a-sampled-destination"),
    pytest.param({"otel-collector": {"sampling": {"enabled": True}, "replicas": 2, "ports": {"sampling": 4318}}},
                 "otel-collector: ports.sampling 4318 is another of the collector's ports",
                 id="sampling-port-taken"),
    pytest.param({"otel-collector": {"sampling": {"percentage": 150}}},
                 "percentage",
                 id="sampling-share-above-100"),
    pytest.param({"otel-collector": {"redaction": {"replacement": "hash"}}},
                 "otel-collector: redaction.replacement is hash: set redaction.hashKey.existingSecret",
                 id="redaction-hash-without-its-key"),
    pytest.param({"otel-collector": {"redaction": {"patterns": [{"name": "email", "pattern": "x"}]}}},
                 'otel-collector: redaction.patterns[0].name "email" is taken',
                 id="redaction-pattern-named-as-a-detector"),
    pytest.param({"otel-collector": {"redaction": {"patterns": [{"name": "ticket", "pattern": "TKT-([0-9]+"}]}}},
                 "missing closing )",
                 id="redaction-pattern-that-does-not-compile"),
    pytest.param({"otel-collector": {"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 2}}},
                 "otel-collector: autoscaling.minReplicas (5) is above maxReplicas (2)",
                 id="collector-autoscaling-bounds-reversed"),
    pytest.param({"otel-collector": {"langfuse": {"endpoint": "{{ .Release.Name }}-langfuse-web:3000/api/public/otel"}}},
                 "otel-collector: deliveryGuard fronts LangFuse's OTLP/HTTP endpoint: langfuse.endpoint must be an "
                 'http:// or https:// URL (got "obs-langfuse-web:3000/api/public/otel")',
                 id="delivery-guard-before-an-endpoint-without-scheme"),
    pytest.param({"valkey": {"extraConfig": "maxmemory-policy allkeys-lru"}},
                 "LangFuse needs maxmemory-policy noeviction",
                 id="valkey-eviction-policy"),
    pytest.param({"valkey": {"sentinel": {"enabled": True, "replicas": 2}},
                  "langfuse": {"redis": {"sentinel": {"enabled": True}}}},
                 "valkey: sentinel.replicas is 2: set it to 3 or more (each pod runs one Sentinel; with fewer than 3, "
                 "losing one pod leaves no majority of Sentinels to elect a new primary)",
                 id="valkey-sentinel-too-few-pods"),
    pytest.param({"valkey": {"sentinel": {"enabled": True, "replicas": 4, "quorum": 2}},
                  "langfuse": {"redis": {"sentinel": {"enabled": True, "nodes": ["a:26379"]}}}},
                 "valkey: sentinel.quorum is 2 for 4 Sentinels: set it between 3 (a majority",
                 id="valkey-sentinel-quorum-of-half-the-sentinels"),
    pytest.param({"valkey": {"sentinel": {"enabled": True, "quorum": 3}},
                  "langfuse": {"redis": {"sentinel": {"enabled": True}}}},
                 "valkey: sentinel.quorum is 3 for 3 Sentinels: set it between 2",
                 id="valkey-sentinel-quorum-the-lost-pods-sentinel-cannot-give"),
    pytest.param({"valkey": {"sentinel": {"enabled": True}, "extraConfig": "replicaof elsewhere 6379"},
                  "langfuse": {"redis": {"sentinel": {"enabled": True}}}},
                 'valkey: extraConfig sets "replicaof elsewhere 6379", but with sentinel.enabled the chart sets it',
                 id="valkey-sentinel-replicaof-in-extra-config"),
    pytest.param({"valkey": {"sentinel": {"enabled": True}}},
                 "valkey.sentinel.enabled is true: also set langfuse.redis.sentinel.enabled: true",
                 id="valkey-sentinel-without-langfuse-following"),
    pytest.param({"langfuse": {"redis": {"sentinel": {"enabled": True}}}},
                 "langfuse.redis.sentinel.enabled is true, but the bundled Valkey runs without Sentinel: also set "
                 "valkey.sentinel.enabled: true",
                 id="langfuse-sentinel-without-the-bundled-valkey-in-sentinel-mode"),
    pytest.param({"valkey": {"sentinel": {"enabled": True, "masterName": "queues"}},
                  "langfuse": {"redis": {"sentinel": {"enabled": True}}}},
                 'valkey.sentinel.masterName is "queues", which LangFuse cannot see: also set '
                 "langfuse.redis.sentinel.masterName: queues",
                 id="valkey-sentinel-master-name-langfuse-cannot-see"),
    pytest.param({"valkey": {"sentinel": {"enabled": True, "replicas": 5}},
                  "langfuse": {"redis": {"sentinel": {"enabled": True}}}},
                 "valkey.sentinel.replicas is 5, which LangFuse cannot see: also set langfuse.redis.sentinel.nodes: "
                 '["obs-valkey-0.obs-valkey-headless.observability.svc.cluster.local:26379",',
                 id="valkey-sentinel-replicas-langfuse-cannot-see"),
    pytest.param({"valkey": {"sentinel": {"enabled": True, "port": 26380}},
                  "langfuse": {"redis": {"sentinel": {"enabled": True}}}},
                 "valkey.sentinel.port is 26380, which LangFuse cannot see: also set langfuse.redis.sentinel.nodes: "
                 '["obs-valkey-0.obs-valkey-headless.observability.svc.cluster.local:26380",',
                 id="valkey-sentinel-port-langfuse-cannot-see"),
    pytest.param({"valkey": {"enabled": False},
                  "langfuse": {"redis": {"sentinel": {"enabled": True, "nodes": ["s:26379"], "masterName": "m"},
                                         "cluster": {"enabled": True, "nodes": ["c:6379"]}}}},
                 "langfuse: redis.sentinel.enabled and redis.cluster.enabled are both true, which LangFuse refuses",
                 id="redis-sentinel-and-cluster-together"),
    pytest.param({"valkey": {"enabled": False}, "langfuse": {"redis": {"sentinel": {"enabled": True, "masterName": "m"}}}},
                 "langfuse: redis.sentinel.enabled is true: set redis.sentinel.nodes to your Sentinels as host:port",
                 id="external-sentinel-without-nodes"),
    pytest.param({"valkey": {"enabled": False}, "langfuse": {"redis": {"sentinel": {"enabled": True, "nodes": ["s:26379"]}}}},
                 "langfuse: redis.sentinel.enabled is true: set redis.sentinel.masterName",
                 id="external-sentinel-without-master-name"),
    pytest.param({"valkey": {"enabled": False}, "langfuse": {"redis": {"cluster": {"enabled": True}}}},
                 "langfuse: redis.cluster.enabled is true: set redis.cluster.nodes",
                 id="external-cluster-without-nodes"),
    pytest.param({"object-storage": {"buckets": ["Langfuse_Events"]}},
                 "is not a valid S3 bucket name",
                 id="invalid-bucket-name"),
    pytest.param({"langfuse": {"init": {"admin": {"existingSecret": ""}}}},
                 "init.admin.email is set: also set init.admin.existingSecret",
                 id="admin-without-password-secret"),
    pytest.param({"langfuse": {"listenAddress": "localhost"}},
                 "listenAddress",
                 id="listen-address-not-every-address"),
]


@pytest.mark.parametrize("values, message", BAD_VALUES)
def test_bad_values_fail_with_an_actionable_message(values, message):
    with pytest.raises(RenderError) as failure:
        render_chart(values=values)
    assert message in failure.value.stderr


# Every share (0.8 for 80%) of the monitoring values, given as a percentage or out of its range.
SHARES_OUT_OF_RANGE = [
    pytest.param({"budgets": {"alertAt": [{"ratio": 80, "severity": "warning"}]}},
                 "budgets.alertAt[0].ratio is a share of the monthly budget, above 0 (1 is the whole budget): "
                 "set 0.8 for 80% (got 80)",
                 id="budget-alert-level-as-percent"),
    pytest.param({"budgets": {"alertAt": [{"ratio": 0.8, "severity": "warning"},
                                          {"ratio": 0, "severity": "critical"}]}},
                 "budgets.alertAt[1].ratio is a share of the monthly budget, above 0 (1 is the whole budget), "
                 "e.g. 0.8 for 80% (got 0)",
                 id="budget-alert-level-zero"),
    pytest.param({"alerts": {"agentErrors": {"thresholdRatio": 5}}},
                 "alerts.agentErrors.thresholdRatio is a share of an agent's invocations, at least 0 and "
                 "below 1: set 0.05 for 5% (got 5)",
                 id="error-rate-threshold-as-percent"),
    pytest.param({"alerts": {"pipeline": {"queueFillRatio": 80}}},
                 "alerts.pipeline.queueFillRatio is a share of a queue's capacity, at least 0 and below 1: "
                 "set 0.8 for 80% (got 80)",
                 id="queue-fill-threshold-as-percent"),
    pytest.param({"alerts": {"pipeline": {"queueGrowingRatio": 10}}},
                 "alerts.pipeline.queueGrowingRatio is a share of a queue's capacity, at least 0 and "
                 "below 1: set 0.1 for 10% (got 10)",
                 id="queue-growing-threshold-as-percent"),
    pytest.param({"objectives": [{"agent": "planner", "successRatio": 99}]},
                 "objectives[0].successRatio is a share of the agent's invocations, above 0 and below 1: "
                 "set 0.99 for 99% (got 99)",
                 id="success-objective-as-percent"),
    pytest.param({"objectives": [{"agent": "planner", "successRatio": 1}]},
                 "objectives[0].successRatio is a share of the agent's invocations, above 0 and below 1, "
                 "e.g. 0.99 for 99% (got 1)",
                 id="success-objective-of-everything"),
    pytest.param({"objectives": [{"agent": "planner", "latency": {"thresholdSeconds": 10, "ratio": 95}}]},
                 "objectives[0].latency.ratio is a share of the agent's invocations, above 0 and below 1: "
                 "set 0.95 for 95% (got 95)",
                 id="latency-objective-as-percent"),
]


# The rules alone, for a Prometheus Operator: no embedded Prometheus or Grafana renders.
RULES_ONLY = {"prometheus": {"enabled": False}, "grafana": {"enabled": False},
              "prometheusOperator": {"prometheusRule": {"enabled": True}}}


@pytest.mark.parametrize("setup", [pytest.param({}, id="embedded"), pytest.param(RULES_ONLY, id="rules-only")])
@pytest.mark.parametrize("values, message", SHARES_OUT_OF_RANGE)
def test_a_share_out_of_its_range_is_refused_with_the_share_to_set(setup, values, message):
    with pytest.raises(RenderError) as failure:
        render_chart(values={"monitoring": setup | values})
    assert f"monitoring: {message}" in failure.value.stderr


def test_a_rejected_encryption_key_is_not_printed():
    with pytest.raises(RenderError) as failure:
        render_chart(values={"langfuse": {"secrets": SHORT_KEY | {"encryptionKey": "f00d" * 15 + "zz"}}})
    assert "got 62 characters" in failure.value.stderr
    assert "f00d" not in failure.value.stderr


def test_refused_secret_values_are_not_printed():
    with pytest.raises(RenderError) as failure:
        render_chart(values={"langfuse": {"secrets": {"salt": "salt-value"}}})
    assert "secrets.salt is set, but" in failure.value.stderr
    assert "salt-value" not in failure.value.stderr


def test_an_encryption_key_of_64_hex_characters_is_accepted():
    key = "0123456789abcdef" * 4
    manifest = render_chart(values={"langfuse": {"secrets": SHORT_KEY | {"encryptionKey": key}}})
    assert manifest.get("Secret", "obs-langfuse-secrets")["stringData"]["encryption-key"] == key


def test_the_bundled_stores_own_address_given_again_renders():
    manifest = render_chart(values={"langfuse": {"clickhouse": {"host": "{{ .Release.Name }}-clickhouse"}}})
    assert "obs-clickhouse" in manifest.names("StatefulSet")


def test_an_external_store_with_its_settings_renders():
    manifest = render_chart(values={"postgres": {"enabled": False}, "langfuse": {
        "database": {"host": "db.example.com", "existingSecret": "my-db"}}})
    assert "obs-postgres" not in manifest.names("StatefulSet")


ALERTMANAGER_FORMS = "give host:port (alertmanager.monitoring:9093) or an http:// or https:// URL " \
                     "(https://alertmanager.example.com, with its path prefix if it has one)"


@pytest.mark.parametrize("address", [
    pytest.param("am.example.com:443/alertmanager", id="path-without-scheme"),
    pytest.param("ftp://am.example.com", id="another-scheme"),
    pytest.param("https://", id="url-without-host"),
    pytest.param("https://admin:secret@am.example.com", id="credentials-in-the-url"),
    pytest.param("https://am.example.com/?tenant=a", id="query"),
    pytest.param("am.example.com:http", id="port-not-a-number"),
    pytest.param("am.example.com:99999", id="port-out-of-range"),
    pytest.param("alertmanager monitoring:9093", id="space"),
])
def test_an_alertmanager_address_prometheus_would_refuse_is_refused_with_the_forms_it_takes(address):
    with pytest.raises(RenderError) as failure:
        render_chart(values={"monitoring": {"prometheus": {
            "alertmanagers": ["alertmanager.monitoring:9093", address]}}})
    assert f"monitoring: prometheus.alertmanagers[1] ({address}) is not an Alertmanager address: " \
           f"{ALERTMANAGER_FORMS}" in failure.value.stderr


@pytest.mark.parametrize("release", ["123", "1obs", "obs.prod", "obs.prod.eu-1"])
def test_a_release_name_services_cannot_carry_is_refused_with_the_rule(release):
    """Every Service is named after the release. Helm's own check admits a leading digit and
    dots, which Kubernetes refuses in a Service's name once half the release is applied."""
    with pytest.raises(RenderError) as failure:
        render_chart(release=release)
    assert f'release name "{release}" cannot name the release\'s Services: use a DNS-1035 label: lower-case ' \
           'letters, digits and "-", starting with a letter and ending with a letter or digit (e.g. obs-prod)' \
           in failure.value.stderr


# Release names YAML would read as a boolean or null if a template printed them unquoted.
YAML_WORDS = ["no", "true", "null", "on", "off"]


def instance_labels(manifest):
    return {obj["metadata"].get("labels", {}).get("app.kubernetes.io/instance") for obj in manifest} - {None}


@pytest.mark.parametrize("release", YAML_WORDS)
def test_a_release_name_yaml_reads_as_another_type_stays_a_string_in_every_label(release):
    assert instance_labels(render_chart(release=release)) == {release}


@pytest.mark.parametrize("chart", [pytest.param(path, id=path.name) for path in SUBCHARTS])
def test_a_numeric_release_name_stays_a_string_in_every_label_of_a_subchart_alone(chart):
    manifest = render_chart(chart, values=values_passed_to(chart), release="123", validate=False)
    assert instance_labels(manifest) == {"123"}


# Each store's chart on its own, without the Secret the umbrella's generator fills in.
STORE_SECRETS = [
    pytest.param("postgres", "postgres: set auth.existingSecret to a Secret with the database password under "
                 "`password` (inside agent-observability it is generated for you)", id="postgres"),
    pytest.param("clickhouse", "clickhouse: set auth.existingSecret to a Secret with the default user's password "
                 "under `password` (inside agent-observability it is generated for you)", id="clickhouse"),
    pytest.param("valkey", "valkey: set auth.existingSecret to a Secret with the password under `password` "
                 "(inside agent-observability it is generated for you)", id="valkey"),
    pytest.param("object-storage", "object-storage: set auth.existingSecret to a Secret with access-key-id and "
                 "secret-access-key (inside agent-observability they are generated for you)", id="object-storage"),
]


@pytest.mark.parametrize("store, message", STORE_SECRETS)
def test_a_store_alone_without_its_secret_is_refused_with_the_secret_to_name(store, message):
    chart = next(path for path in SUBCHARTS if path.name == store)
    with pytest.raises(RenderError) as failure:
        render_chart(chart, values=merged(values_passed_to(chart), {"auth": {"existingSecret": ""}}))
    assert message in failure.value.stderr
