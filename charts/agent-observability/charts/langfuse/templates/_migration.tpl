{{/*
langfuse.migrationJobName is the migration Job's name: "<fullname>-migrate-<hash>", where the
hash covers the Job's pod template (image, env, Secret names) and the ConfigMap data it reads
through envFrom (hosts, databases, users, ports, cluster mode), which the pod template names
but does not contain. So any change of where or what the Job migrates makes a new Job, and
web and worker (whose gate names this Job in its log) roll with it.
*/}}
{{- define "langfuse.migrationJobName" -}}
{{- $inputs := printf "%s\n---\n%s" (include "langfuse.migrationPodTemplate" .) (include "langfuse.configData" .) }}
{{- printf "%s-migrate-%s" (include "langfuse.fullname" . | trunc 52 | trimSuffix "-") ($inputs | sha256sum | trunc 8) }}
{{- end }}

{{/*
langfuse.migrationPodTemplate is the pod of the migration Job. ClickHouse is migrated by the
init container and PostgreSQL by the main container, both through the web image's own
entrypoint (each with the other migration switched off). Web and worker wait for both
schemas themselves (langfuse.waitForMigrations), so the order only decides which store a
failure leaves untouched: a failed ClickHouse migration stops the Job before PostgreSQL.
*/}}
{{- define "langfuse.migrationPodTemplate" -}}
metadata:
  labels:
    {{- include "langfuse.labels" (dict "context" . "component" "migration") | nindent 4 }}
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "langfuse.serviceAccountName" . | quote }}
  automountServiceAccountToken: false
  securityContext:
    {{- include "langfuse.podSecurityContext" . | nindent 4 }}
  {{- with include "langfuse.imagePullSecrets" . }}
  {{- . | nindent 2 }}
  {{- end }}
  initContainers:
    {{- include "langfuse.migrationContainer" (dict "context" . "store" "clickhouse") | nindent 4 }}
  containers:
    {{- include "langfuse.migrationContainer" (dict "context" . "store" "postgres") | nindent 4 }}
  volumes:
    - name: tmp
      emptyDir: {}
{{- end }}

{{/*
langfuse.migrationContainer migrates one store with the web image's entrypoint, then exits.
Usage: {{ include "langfuse.migrationContainer" (dict "context" $ "store" "clickhouse") }}
*/}}
{{- define "langfuse.migrationContainer" -}}
{{- $ctx := .context }}
- name: migrate-{{ .store }}
  image: {{ include "langfuse.image" (dict "image" $ctx.Values.image.web "context" $ctx) | quote }}
  imagePullPolicy: {{ $ctx.Values.image.web.pullPolicy }}
  command:
    {{- include "langfuse.command" (dict "context" $ctx "entrypoint" "./web/entrypoint.sh" "migrateClickhouse" (eq .store "clickhouse")) | nindent 4 }}
  # The entrypoint migrates, then runs this no-op instead of the web server.
  args: ["node", "-e", "process.exit(0)"]
  envFrom:
    - configMapRef:
        name: {{ include "langfuse.fullname" $ctx }}
  env:
    - name: LANGFUSE_AUTO_POSTGRES_MIGRATION_DISABLED
      value: {{ ne .store "postgres" | quote }}
    - name: LANGFUSE_AUTO_CLICKHOUSE_MIGRATION_DISABLED
      value: {{ ne .store "clickhouse" | quote }}
    {{- include "langfuse.env" $ctx | nindent 4 }}
  securityContext:
    {{- include "langfuse.containerSecurityContext" $ctx | nindent 4 }}
  resources:
    {{- toYaml $ctx.Values.migration.resources | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end }}
