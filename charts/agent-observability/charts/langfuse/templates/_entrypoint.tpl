{{/*
langfuse.command runs the image's own entrypoint (web/entrypoint.sh or worker/entrypoint.sh,
under dumb-init as the images' ENTRYPOINT does) after making the credentials safe for the URLs
it builds. The entrypoint pastes DATABASE_USERNAME and DATABASE_PASSWORD into
postgresql://user:pass@host/db as they are (web/entrypoint.sh at v4.16.0, "Construct
DATABASE_URL"), and the ClickHouse migration pastes CLICKHOUSE_USER and CLICKHOUSE_PASSWORD into
a query string (packages/shared/clickhouse/scripts/up.sh), so a password with @ : / % # ? & = +
would break them: they are percent-encoded here (Prisma, libpq and golang-migrate decode them).
The application reads only DATABASE_URL, so the encoded values reach nothing else; the
ClickHouse client reads CLICKHOUSE_PASSWORD itself, so that one is encoded only in the
migration. With database.directHost, DIRECT_URL (Prisma's migrations) bypasses PgBouncer.
`migrateClickhouse` also creates clickhouse.database when it does not exist, as the ClickHouse
image's entrypoint would for CLICKHOUSE_DB (the bundled server starts without it).
Usage: {{ include "langfuse.command" (dict "context" $ "entrypoint" "./web/entrypoint.sh" "migrateClickhouse" false) }}
*/}}
{{- define "langfuse.command" -}}
{{- $stores := include "langfuse.stores" .context | fromYaml }}
{{- $direct := include "langfuse.tpl" (dict "value" $stores.database.directHost "context" .context) -}}
- dumb-init
- --
- sh
- -c
- |
  set -e
  encoded() { node -e 'process.stdout.write(encodeURIComponent(process.env[process.argv[1]] ?? ""))' "$1"; }
  {{- if .migrateClickhouse }}
  node -e '
    const db = process.env.CLICKHOUSE_DB || "default";
    const credentials = `${process.env.CLICKHOUSE_USER}:${process.env.CLICKHOUSE_PASSWORD}`;
    const headers = { Authorization: `Basic ${Buffer.from(credentials).toString("base64")}` };
    const ask = async (query) => {
      const response = await fetch(process.env.CLICKHOUSE_URL, { method: "POST", headers, body: query });
      const text = await response.text();
      if (!response.ok) throw new Error(`${query}: HTTP ${response.status} ${text}`);
      return text.trim();
    };
    const quoted = "`" + db.replaceAll("\\", "\\\\").replaceAll("`", "\\`") + "`";
    (async () => {
      {{- if $stores.clickhouse.clusterEnabled }}
      {{- /* On every replica: the Service answers from any one of them. */}}
      await ask(`CREATE DATABASE IF NOT EXISTS ${quoted} ON CLUSTER {{ include "langfuse.clickhouseClusterName" .context }}`);
      console.log(`ClickHouse database ${db} exists on every replica`);
      {{- else }}
      if ((await ask(`EXISTS DATABASE ${quoted}`)) !== "1") {
        await ask(`CREATE DATABASE IF NOT EXISTS ${quoted}`);
        console.log(`created ClickHouse database ${db}`);
      }
      {{- end }}
    })().catch((error) => { console.error(`ClickHouse database ${db}: ${error.message}`); process.exit(1); });
  '
  CLICKHOUSE_USER="$(encoded CLICKHOUSE_USER)"
  CLICKHOUSE_PASSWORD="$(encoded CLICKHOUSE_PASSWORD)"
  export CLICKHOUSE_USER CLICKHOUSE_PASSWORD
  {{- end }}
  DATABASE_USERNAME="$(encoded DATABASE_USERNAME)"
  DATABASE_PASSWORD="$(encoded DATABASE_PASSWORD)"
  export DATABASE_USERNAME DATABASE_PASSWORD
  {{- with $direct }}
  DIRECT_URL="postgresql://${DATABASE_USERNAME}:${DATABASE_PASSWORD}@{{ printf "%s:%v" . $stores.database.directPort }}/${DATABASE_NAME}${DATABASE_ARGS:+?$DATABASE_ARGS}"
  export DIRECT_URL
  {{- end }}
  exec "$0" "$@"
- {{ .entrypoint }}
{{- end }}
