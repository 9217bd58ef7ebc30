{{/*
langfuse.migrationPodTemplate is the pod of the migration Job. ClickHouse is migrated by the
init container and PostgreSQL by the main container, both through the web image's own
entrypoint (each with the other migration switched off), so that a PostgreSQL schema that is
up to date tells web and worker that ClickHouse is too.
*/}}
{{- define "langfuse.migrationPodTemplate" -}}
metadata:
  labels:
    {{- include "langfuse.labels" (dict "context" . "component" "migration") | nindent 4 }}
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "langfuse.serviceAccountName" . }}
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
