// helm test: the collector accepts OTLP/HTTP from agents and serves the GenAI metrics endpoint.
const collector = process.env.COLLECTOR_URL;

async function check(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

try {
  await check("POST", `${collector}:4318/v1/traces`, { resourceSpans: [] });
  console.log("OTLP/HTTP accepted");
  await check("GET", `${collector}:8889/metrics`);
  console.log("metrics endpoint answers");
} catch (error) {
  console.error(`collector check failed: ${error.message}`);
  process.exit(1);
}
