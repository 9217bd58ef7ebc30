// `helm test` checks, one per Job: `node helm-tests.mjs <check>`.
//   langfuse-api    LangFuse answers its health check and accepts the provisioned project
//                   keys (the keys agents and the collector use).
//   collector-otlp  The collector accepts OTLP/HTTP from agents (OTLP_HTTP_URL) and serves its
//                   GenAI metrics (METRICS_URL, set only when otel-collector.metrics.enabled).

async function request(method, url, { headers = {}, body } = {}) {
  const response = await fetch(url, {
    method,
    headers: body ? { ...headers, "Content-Type": "application/json" } : headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

const checks = {
  async "langfuse-api"(env) {
    const auth = Buffer.from(`${env.LANGFUSE_PUBLIC_KEY}:${env.LANGFUSE_SECRET_KEY}`).toString("base64");
    const health = await (await request("GET", `${env.LANGFUSE_URL}/api/public/health`)).json();
    console.log(`health: ${health.status}, version ${health.version}`);
    const projects = await (
      await request("GET", `${env.LANGFUSE_URL}/api/public/projects`, { headers: { Authorization: `Basic ${auth}` } })
    ).json();
    console.log(`project keys accepted for: ${projects.data.map((p) => p.name).join(", ")}`);
  },
  async "collector-otlp"(env) {
    await request("POST", env.OTLP_HTTP_URL, { body: { resourceSpans: [] } });
    console.log("OTLP/HTTP accepted");
    if (env.METRICS_URL) {
      await request("GET", env.METRICS_URL);
      console.log("metrics endpoint answers");
    } else {
      console.log("metrics endpoint not checked: otel-collector.metrics.enabled is false");
    }
  },
};

const name = process.argv[2];
try {
  if (!checks[name]) throw new Error(`unknown check ${name}; known: ${Object.keys(checks).join(", ")}`);
  await checks[name](process.env);
} catch (error) {
  // fetch() reports "fetch failed" and keeps the reason (refused, unknown host) in its cause.
  const cause = error.cause?.message ? ` (${error.cause.message})` : "";
  console.error(`${name} failed: ${error.message}${cause}`);
  process.exit(1);
}
