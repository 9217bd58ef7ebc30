"""A bad values file gets a clear error at render time, never a broken manifest."""

import pytest

from harness.render import RenderError, render_chart

SHORT_KEY = {"existingSecret": "", "nextauthSecret": "nextauth-value", "salt": "salt-value",
             "encryptionKey": "abc123"}

BAD_VALUES = [
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
    pytest.param({"langfuse": {"enabled": False}},
                 "langfuse.enabled is false, but otel-collector.langfuse.endpoint still points at this "
                 "release's LangFuse: set it to your LangFuse's OTLP endpoint",
                 id="collector-without-langfuse"),
    pytest.param({"langfuse": {"secrets": SHORT_KEY}},
                 "secrets.encryptionKey must be exactly 64 hex characters (openssl rand -hex 32), got 6 characters",
                 id="encryption-key-of-the-wrong-length"),
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
    pytest.param({"valkey": {"extraConfig": "maxmemory-policy allkeys-lru"}},
                 "LangFuse needs maxmemory-policy noeviction",
                 id="valkey-eviction-policy"),
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


def test_a_rejected_encryption_key_is_not_printed():
    with pytest.raises(RenderError) as failure:
        render_chart(values={"langfuse": {"secrets": SHORT_KEY | {"encryptionKey": "f00d" * 15 + "zz"}}})
    assert "got 62 characters" in failure.value.stderr
    assert "f00d" not in failure.value.stderr


def test_an_encryption_key_of_64_hex_characters_is_accepted():
    key = "0123456789abcdef" * 4
    manifest = render_chart(values={"langfuse": {"secrets": SHORT_KEY | {"encryptionKey": key}}})
    assert manifest.get("Secret", "obs-langfuse-secrets")["stringData"]["encryption-key"] == key


def test_an_external_store_with_its_settings_renders():
    manifest = render_chart(values={"postgres": {"enabled": False}, "langfuse": {
        "database": {"host": "db.example.com", "existingSecret": "my-db"}}})
    assert "obs-postgres" not in manifest.names("StatefulSet")
