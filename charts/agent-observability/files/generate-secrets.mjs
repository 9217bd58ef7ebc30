// Creates the release's missing credentials in the cluster, once.
//
// For each Secret in the spec: if it does not exist, it is created with freshly generated
// values; if it exists, only the keys it lacks are added. An existing value is never read
// out, logged or changed, so upgrades, rollbacks and GitOps syncs keep every credential,
// and a Secret created by hand before the install is respected.
//
// Usage: node generate-secrets.mjs <spec.json>
//   spec: {"secrets": [{"name": "...", "labels": {...}, "keys": {"<key>": "<kind>"}}]}
//   kinds: hex:<bytes> | alnum:<chars> | base64:<bytes> | prefixed-uuid:<prefix> | literal:<text>
//   (literal: a value that is not secret but must sit beside one, e.g. a user name)
//
// Talks to the API server with the pod's ServiceAccount. Outside a pod (tests), the
// KUBERNETES_API_URL, KUBERNETES_NAMESPACE, KUBERNETES_CA_FILE and either KUBERNETES_TOKEN or
// KUBERNETES_CLIENT_CERT_FILE and KUBERNETES_CLIENT_KEY_FILE environment variables say where.

import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:https";

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// The in-cluster API address. On IPv6 clusters KUBERNETES_SERVICE_HOST is a bare literal
// (fd00:10:96::1): like client-go's net.JoinHostPort, put it in brackets for the URL.
function inClusterApi(env) {
  const host = env.KUBERNETES_SERVICE_HOST;
  return `https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT}`;
}

function connection(env) {
  const read = (path) => readFileSync(path, "utf8");
  const api = env.KUBERNETES_API_URL ?? inClusterApi(env);
  const tls = { ca: read(env.KUBERNETES_CA_FILE ?? `${SERVICE_ACCOUNT}/ca.crt`) };
  const headers = { Accept: "application/json" };
  if (env.KUBERNETES_CLIENT_CERT_FILE) {
    tls.cert = read(env.KUBERNETES_CLIENT_CERT_FILE);
    tls.key = read(env.KUBERNETES_CLIENT_KEY_FILE);
  } else {
    const token = env.KUBERNETES_TOKEN ?? read(`${SERVICE_ACCOUNT}/token`).trim();
    headers.Authorization = `Bearer ${token}`;
  }
  const namespace = env.KUBERNETES_NAMESPACE ?? read(`${SERVICE_ACCOUNT}/namespace`).trim();
  return { api: new URL(api), tls, headers, namespace };
}

function call(conn, method, path, body, contentType = "application/json") {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...conn.headers };
    if (payload !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    // Given the URL itself, Node takes the brackets off an IPv6 host (urlToHttpOptions);
    // URL.hostname keeps them, and no resolver knows "[fd00:10:96::1]".
    const req = request(
      new URL(path, conn.api),
      { method, headers, ...conn.tls },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on("error", reject);
    req.setTimeout(30000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function generate(kind) {
  const [type, argument] = kind.split(":", 2);
  switch (type) {
    case "hex":
      return randomBytes(Number(argument)).toString("hex");
    case "base64":
      return randomBytes(Number(argument)).toString("base64");
    case "alnum":
      return Array.from({ length: Number(argument) }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");
    case "prefixed-uuid":
      return `${argument}${randomUUID()}`;
    case "literal":
      return argument;
    default:
      throw new Error(`unknown kind of generated value: ${kind}`);
  }
}

function encoded(keys) {
  return Object.fromEntries(
    Object.entries(keys).map(([key, kind]) => [key, Buffer.from(generate(kind)).toString("base64")]),
  );
}

async function ensure(conn, secret) {
  const base = `/api/v1/namespaces/${conn.namespace}/secrets`;
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await call(conn, "GET", `${base}/${secret.name}`);
    if (found.status === 404) {
      const created = await call(conn, "POST", base, {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: secret.name, labels: secret.labels ?? {} },
        data: encoded(secret.keys),
      });
      if (created.status === 201) return `created with ${Object.keys(secret.keys).length} keys`;
      if (created.status === 409) continue; // created meanwhile by someone else: look again
      throw new Error(`creating ${secret.name}: HTTP ${created.status} ${created.body.message ?? ""}`);
    }
    if (found.status !== 200) {
      throw new Error(`reading ${secret.name}: HTTP ${found.status} ${found.body.message ?? ""}`);
    }
    const present = new Set(Object.keys(found.body.data ?? {}));
    const missing = Object.fromEntries(Object.entries(secret.keys).filter(([key]) => !present.has(key)));
    if (Object.keys(missing).length === 0) return "kept (complete)";
    const patched = await call(
      conn, "PATCH", `${base}/${secret.name}`, { data: encoded(missing) }, "application/merge-patch+json",
    );
    if (patched.status !== 200) {
      throw new Error(`adding keys to ${secret.name}: HTTP ${patched.status} ${patched.body.message ?? ""}`);
    }
    return `kept, added ${Object.keys(missing).join(", ")}`;
  }
  throw new Error(`${secret.name}: gave up after repeated conflicts`);
}

async function main(specPath) {
  const spec = JSON.parse(readFileSync(specPath, "utf8"));
  const conn = connection(process.env);
  for (const secret of spec.secrets) {
    console.log(`secret ${secret.name}: ${await ensure(conn, secret)}`);
  }
}

main(process.argv[2]).catch((error) => {
  console.error(`secret generator failed: ${error.message}`);
  process.exit(1);
});
