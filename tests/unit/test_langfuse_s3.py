"""What LangFuse keeps in S3 besides events: batch exports started from the UI, and media, whose
links browsers and SDKs outside the cluster must be able to open.

Upstream (langfuse/langfuse v4.16.0): the worker refuses every export unless
LANGFUSE_S3_BATCH_EXPORT_ENABLED is "true" (worker/src/features/batchExport/handleBatchExportJob.ts),
uploads it through LANGFUSE_S3_BATCH_EXPORT_ENDPOINT and signs the download link with
LANGFUSE_S3_BATCH_EXPORT_EXTERNAL_ENDPOINT (packages/shared/src/server/services/StorageService.ts,
signedUrlClient); media has a single endpoint, LANGFUSE_S3_MEDIA_UPLOAD_ENDPOINT, for the pods'
own calls and the presigned URLs browsers and SDKs use (web/src/features/media/server/getMediaStorageClient.ts).
"""

import pytest

from harness.render import RenderError, render_chart, render_notes

IN_CLUSTER = "http://obs-object-storage:8333"
PUBLIC = "https://s3.langfuse.example.com"
EXPOSED = {"object-storage": {"ingress": {"enabled": True, "className": "nginx", "host": "s3.langfuse.example.com",
                                          "tls": [{"hosts": ["s3.langfuse.example.com"], "secretName": "s3-tls"}]}},
           "langfuse": {"s3": {"publicEndpoint": PUBLIC}}}
AWS = {"object-storage": {"enabled": False},
       "langfuse": {"s3": {"endpoint": "", "existingSecret": "", "bucket": "events", "region": "eu-west-1",
                           "forcePathStyle": False}}}
NOT_PUBLIC_WARNING = "WARNING: langfuse.s3.publicEndpoint is not set"


def environment(manifest, deployment: str) -> dict:
    """Name -> value, or ('secret', name, key), of the main container of web or worker."""
    return manifest.env(f"obs-langfuse-{deployment}", deployment)


def batch_export(env: dict) -> dict:
    prefix = "LANGFUSE_S3_BATCH_EXPORT_"
    return {name.removeprefix(prefix): value for name, value in env.items() if name.startswith(prefix)}


@pytest.mark.parametrize("deployment", ["worker", "web"])
def test_batch_exports_are_on_and_go_to_the_bucket_langfuse_writes_to(deployment):
    env = environment(render_chart(), deployment)
    assert batch_export(env) == {
        "ENABLED": "true", "BUCKET": "langfuse", "PREFIX": "exports/", "REGION": "us-east-1",
        "ENDPOINT": IN_CLUSTER, "FORCE_PATH_STYLE": "true",
        "ACCESS_KEY_ID": ("secret", "obs-object-storage-auth", "access-key-id"),
        "SECRET_ACCESS_KEY": ("secret", "obs-object-storage-auth", "secret-access-key")}


def test_batch_exports_to_aws_s3_use_the_pods_role_and_the_public_aws_endpoint():
    assert batch_export(environment(render_chart(values=AWS), "worker")) == {
        "ENABLED": "true", "BUCKET": "events", "PREFIX": "exports/", "REGION": "eu-west-1",
        "FORCE_PATH_STYLE": "false"}


def test_batch_exports_can_be_switched_off():
    env = environment(render_chart(values={"langfuse": {"s3": {"batchExport": {"enabled": False}}}}), "worker")
    assert batch_export(env) == {"ENABLED": "false"}


def test_export_download_links_and_media_go_through_the_public_endpoint_and_events_stay_inside():
    manifest = render_chart(values=EXPOSED)
    for deployment in ("web", "worker"):
        env = environment(manifest, deployment)
        assert env["LANGFUSE_S3_BATCH_EXPORT_ENDPOINT"] == IN_CLUSTER
        assert env["LANGFUSE_S3_BATCH_EXPORT_EXTERNAL_ENDPOINT"] == PUBLIC
        assert env["LANGFUSE_S3_MEDIA_UPLOAD_ENDPOINT"] == PUBLIC
        assert env["LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT"] == IN_CLUSTER


def test_the_bundled_store_is_exposed_on_the_public_endpoints_host_with_tls():
    ingress = render_chart(values=EXPOSED).get("Ingress", "obs-object-storage")
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "s3.langfuse.example.com"
    # The whole host goes to the S3 port: requests address buckets by path and sign it.
    assert rule["http"]["paths"] == [{"path": "/", "pathType": "Prefix", "backend": {
        "service": {"name": "obs-object-storage", "port": {"name": "s3"}}}}]
    assert ingress["spec"]["tls"] == [{"hosts": ["s3.langfuse.example.com"], "secretName": "s3-tls"}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    service = render_chart(values=EXPOSED).get("Service", "obs-object-storage")
    assert "s3" in [port["name"] for port in service["spec"]["ports"]]


def test_by_default_media_links_point_inside_the_cluster_and_the_notes_say_so():
    env = environment(render_chart(), "web")
    assert env["LANGFUSE_S3_MEDIA_UPLOAD_ENDPOINT"] == IN_CLUSTER
    notes = render_notes()
    assert NOT_PUBLIC_WARNING in notes
    assert IN_CLUSTER in notes and "object-storage.ingress" in notes


@pytest.mark.parametrize("values", [EXPOSED, AWS], ids=["exposed-bundled-store", "aws-s3"])
def test_the_notes_do_not_warn_when_links_are_public(values):
    assert NOT_PUBLIC_WARNING not in render_notes(values=values)


@pytest.mark.parametrize(("values", "message"), [
    pytest.param({"object-storage": {"ingress": {"enabled": True, "host": "s3.example.com"}}},
                 "object-storage.ingress is on: set langfuse.s3.publicEndpoint to http://s3.example.com",
                 id="ingress-without-public-endpoint"),
    pytest.param({"object-storage": {"ingress": {"enabled": True, "host": "s3.example.com"}},
                  "langfuse": {"s3": {"publicEndpoint": "https://media.example.com"}}},
                 "langfuse.s3.publicEndpoint (https://media.example.com) is not on object-storage.ingress.host "
                 "(s3.example.com): set langfuse.s3.publicEndpoint to http://s3.example.com",
                 id="public-endpoint-on-another-host"),
    pytest.param({"object-storage": {"ingress": {"enabled": True}}},
                 "object-storage: ingress.enabled is true: set ingress.host",
                 id="ingress-without-host"),
    pytest.param({"langfuse": {"s3": {"publicEndpoint": "s3.example.com"}}},
                 "publicEndpoint",
                 id="public-endpoint-without-scheme"),
])
def test_contradictory_public_endpoint_settings_are_refused_with_what_to_set(values, message):
    with pytest.raises(RenderError) as refused:
        render_chart(values=values)
    assert message in refused.value.stderr
