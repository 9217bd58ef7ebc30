// The migration gate: the init container of LangFuse's web and worker pods. It returns only
// when both schemas this image needs are in place, so no pod ever meets an old schema:
//   PostgreSQL  `prisma migrate status` exits 0 (the image's Prisma CLI, as the migration Job's
//               `prisma migrate deploy` records it in _prisma_migrations);
//   ClickHouse  golang-migrate's `schema_migrations` table (what `migrate up` in the image's
//               packages/shared/clickhouse/scripts/up.sh records) holds a clean version at least
//               the newest migration file the image carries.
// It runs through the image's entrypoint (which builds DATABASE_URL for Prisma and, with the
// chart's LANGFUSE_AUTO_*_MIGRATION_DISABLED, migrates nothing) in the image's working
// directory, /app. It has no Kubernetes API token, so it judges the schemas, not the Job: a
// failed migration leaves a failed Prisma migration or a dirty ClickHouse version, which it
// reports with what to do.
//
// Usage: node wait-for-migrations.mjs --job <migration Job> --namespace <namespace> [--interval <seconds>]
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

const { values: options } = parseArgs({
  options: {
    job: { type: "string", default: "the migration Job" },
    namespace: { type: "string", default: "" },
    interval: { type: "string", default: "5" },
  },
});
const intervalMs = Number(options.interval) * 1000;
const ns = options.namespace ? ` -n ${options.namespace}` : "";
const jobLogs = `kubectl logs${ns} job/${options.job} --all-containers`;
const help = "the chart's README, Troubleshooting: \"A migration failed\"";

// up.sh picks the clustered migrations unless CLICKHOUSE_CLUSTER_ENABLED is exactly "false".
const clustered = process.env.CLICKHOUSE_CLUSTER_ENABLED !== "false";
const migrationsDir = `./packages/shared/clickhouse/migrations/${clustered ? "clustered" : "unclustered"}`;
// golang-migrate's file source: <version>_<title>.<up|down>.<ext> (source/parse.go).
const migrationFile = /^([0-9]+)_(.*)\.(down|up)\.(.*)$/;

/** The newest ClickHouse migration this image carries. */
function newestClickHouseMigration() {
  const versions = readdirSync(migrationsDir)
    .map((name) => name.match(migrationFile))
    .filter((match) => match && match[3] === "up")
    .map((match) => Number(match[1]));
  if (versions.length === 0) throw new Error(`no ClickHouse migrations in ${migrationsDir}`);
  return Math.max(...versions);
}

/** PostgreSQL: Prisma's own verdict, and its explanation when it is not in sync. */
function postgres() {
  const status = spawnSync(
    "prisma",
    ["migrate", "status", "--schema=./packages/shared/prisma/schema.prisma"],
    { encoding: "utf8", timeout: 120_000 },
  );
  const output = `${status.stdout ?? ""}${status.stderr ?? ""}`.trim();
  if (status.status === 0) return { ok: true, report: "PostgreSQL: schema up to date" };
  const failed = /have failed/.test(output);
  return {
    ok: false,
    failed,
    report: failed
      ? `PostgreSQL: a migration failed halfway; web and worker stay stopped until it is resolved ` +
        `(${help}).\n${output}`
      : `PostgreSQL: not migrated yet, waiting for the migration Job.\n${output || status.error}`,
  };
}

/**
 * ClickHouse: golang-migrate's current version is the row with the highest sequence in
 * schema_migrations (Version() in database/clickhouse/clickhouse.go, v4.19.1), read through
 * the HTTP interface LangFuse itself uses (CLICKHOUSE_URL).
 */
async function clickhouse(needed) {
  const url = new URL(process.env.CLICKHOUSE_URL);
  url.searchParams.set("database", process.env.CLICKHOUSE_DB || "default");
  const query = "SELECT version, dirty FROM schema_migrations ORDER BY sequence DESC LIMIT 1 FORMAT JSONEachRow";
  let response, body;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "X-ClickHouse-User": process.env.CLICKHOUSE_USER ?? "default",
        "X-ClickHouse-Key": process.env.CLICKHOUSE_PASSWORD ?? "",
      },
      body: query,
      signal: AbortSignal.timeout(10_000),
    });
    body = (await response.text()).trim();
  } catch (error) {
    return { ok: false, report: `ClickHouse: not reachable at ${url.origin} (${error.cause?.code ?? error.message})` };
  }
  if (!response.ok) {
    // Before the first migration the table does not exist (UNKNOWN_TABLE).
    return { ok: false, report: `ClickHouse: not migrated yet (${body.split("\n")[0].slice(0, 300)})` };
  }
  if (!body) return { ok: false, report: "ClickHouse: not migrated yet (schema_migrations is empty)" };
  const row = JSON.parse(body.split("\n")[0]);
  // Older servers quote 64-bit integers in JSON (output_format_json_quote_64bit_integers).
  const version = Number(row.version);
  if (Number(row.dirty) === 1) {
    return {
      ok: false,
      failed: true,
      report:
        `ClickHouse: migration ${version} failed halfway (dirty in schema_migrations); web and worker ` +
        `stay stopped until it is repaired (${help}). Its error: ${jobLogs}`,
    };
  }
  if (version < needed) {
    return { ok: false, report: `ClickHouse: at version ${version}, this image needs ${needed}; waiting for the migration Job` };
  }
  return { ok: true, report: `ClickHouse: schema at version ${version} (this image needs ${needed})` };
}

const needed = newestClickHouseMigration();
const started = Date.now();
let lastReport = "";
let lastPrinted = 0;
for (;;) {
  const states = [postgres(), await clickhouse(needed)];
  if (states.every((state) => state.ok)) {
    console.log(states.map((state) => state.report).join("\n"));
    console.log("Both schemas are up to date: starting.");
    process.exit(0);
  }
  const report = states.filter((state) => !state.ok).map((state) => state.report).join("\n");
  const minutes = Math.floor((Date.now() - started) / 60_000);
  // The full report when it changes, else one line a minute.
  if (report !== lastReport) {
    console.log(report);
    console.log(`Progress and errors of the migration: ${jobLogs}`);
    lastReport = report;
    lastPrinted = Date.now();
  } else if (Date.now() - lastPrinted >= 60_000) {
    const failed = states.some((state) => state.failed);
    console.log(
      `${failed ? "Stopped on a failed migration" : "Still waiting for the migration Job"} after ${minutes} min: ` +
        `kubectl get${ns} job/${options.job}; ${jobLogs}; see ${help}`,
    );
    lastPrinted = Date.now();
  }
  await sleep(intervalMs);
}
