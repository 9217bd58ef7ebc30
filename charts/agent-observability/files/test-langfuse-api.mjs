// helm test: LangFuse answers its health check, and the provisioned project keys are
// accepted by its public API (the keys agents and the collector use).
const base = process.env.LANGFUSE_URL;
const auth = Buffer.from(`${process.env.LANGFUSE_PUBLIC_KEY}:${process.env.LANGFUSE_SECRET_KEY}`).toString("base64");

async function check(path, headers = {}) {
  const response = await fetch(`${base}${path}`, { headers });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

try {
  const health = await check("/api/public/health");
  console.log(`health: ${health.status}, version ${health.version}`);
  const projects = await check("/api/public/projects", { Authorization: `Basic ${auth}` });
  console.log(`project keys accepted for: ${projects.data.map((p) => p.name).join(", ")}`);
} catch (error) {
  console.error(`LangFuse check failed: ${error.message}`);
  process.exit(1);
}
