{{/*
langfuse.waitForMigrations is the init container of web and worker, the migration gate: it
holds the pod until PostgreSQL (`prisma migrate status`) and ClickHouse (golang-migrate's
schema_migrations, clean and at the image's newest migration) both have this image's schema,
so the web server (whose headless initialisation runs once, at start) and the worker never
meet an old schema, even on a release that changes only ClickHouse. A failed migration keeps
it waiting and it says so, with the commands to look further (files/wait-for-migrations.mjs).
*/}}
{{- define "langfuse.waitForMigrations" -}}
- name: wait-for-migrations
  image: {{ include "langfuse.image" (dict "image" .Values.image.web "context" .) | quote }}
  imagePullPolicy: {{ .Values.image.web.pullPolicy }}
  command:
    {{- include "langfuse.command" (dict "context" . "entrypoint" "./web/entrypoint.sh") | nindent 4 }}
  # The image's entrypoint builds DATABASE_URL for Prisma, skips migrations (disabled in the
  # ConfigMap) and runs the gate in the image's working directory, beside its migrations.
  args:
    - node
    - /migration-gate/wait-for-migrations.mjs
    - --job={{ include "langfuse.migrationJobName" . }}
    - --namespace={{ .Release.Namespace }}
  envFrom:
    - configMapRef:
        name: {{ include "langfuse.fullname" . }}
  env:
    {{- include "langfuse.env" . | nindent 4 }}
  securityContext:
    {{- include "langfuse.containerSecurityContext" . | nindent 4 }}
  resources:
    {{- toYaml .Values.migration.resources | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
    - name: migration-gate
      mountPath: /migration-gate
      readOnly: true
{{- end }}

{{/*
langfuse.checksums are pod annotations that change when the configuration a pod reads
changes, so `helm upgrade` rolls exactly the pods whose configuration changed.
*/}}
{{- define "langfuse.checksums" -}}
checksum/config: {{ include "langfuse.configData" . | sha256sum }}
checksum/migration-gate: {{ .Files.Get "files/wait-for-migrations.mjs" | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secrets: {{ printf "%s%s%s" .Values.secrets.nextauthSecret .Values.secrets.salt .Values.secrets.encryptionKey | sha256sum }}
{{- end }}
{{- end }}
