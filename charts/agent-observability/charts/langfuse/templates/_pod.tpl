{{/*
langfuse.waitForMigrations is the init container of web and worker: it holds the pod until
the migration Job has brought PostgreSQL up to this image's schema. The Job migrates
ClickHouse first and PostgreSQL last, so an up-to-date PostgreSQL means both are done, and
the web server (whose headless initialisation runs once, at start) never meets an old schema.
*/}}
{{- define "langfuse.waitForMigrations" -}}
- name: wait-for-migrations
  image: {{ include "langfuse.image" (dict "image" .Values.image.web "context" .) | quote }}
  imagePullPolicy: {{ .Values.image.web.pullPolicy }}
  # The image's entrypoint builds DATABASE_URL, skips migrations (disabled in the
  # ConfigMap) and runs this command.
  args:
    - sh
    - -c
    - |
      until prisma migrate status --schema=./packages/shared/prisma/schema.prisma >/tmp/status 2>&1; do
        echo "waiting for the migration Job: $(tail -n 1 /tmp/status)"
        sleep 5
      done
      echo "database schema is up to date"
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
{{- end }}

{{/*
langfuse.checksums are pod annotations that change when the configuration a pod reads
changes, so `helm upgrade` rolls exactly the pods whose configuration changed.
*/}}
{{- define "langfuse.checksums" -}}
checksum/config: {{ include "langfuse.configData" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secrets: {{ printf "%s%s%s" .Values.secrets.nextauthSecret .Values.secrets.salt .Values.secrets.encryptionKey | sha256sum }}
{{- end }}
{{- end }}
