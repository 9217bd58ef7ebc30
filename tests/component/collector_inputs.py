"""What the collector's component tests feed the rendered collector: Secret values and values."""

# The LangFuse exporter and the path of LangFuse's OTLP endpoint (what its stand-ins serve).
LANGFUSE = "otlphttp/langfuse"
LANGFUSE_PATH = "/api/public/otel"
PUBLIC_KEY = "pk-lf-component-test"
SECRET_KEY = "sk-lf-component-test"
# Secret-backed environment of the umbrella's renders, as the kubelet would resolve it.
SECRETS = {("obs-langfuse-project-keys", "public-key"): PUBLIC_KEY,
           ("obs-langfuse-project-keys", "secret-key"): SECRET_KEY,
           ("langsmith", "api-key"): "lsv2-component-test",
           ("tempo-auth", "authorization"): "Bearer tempo-component-test",
           ("xray-keys", "aws-access-key-id"): "AKIACOMPONENTTEST",
           ("xray-keys", "aws-secret-access-key"): "component-test-secret"}
# Retries a test can wait for; the chart's defaults back off up to 30 s.
FAST_RETRIES = {"retry": {"initialInterval": "100ms", "maxInterval": "500ms"}}
