{{/*
langfuse.secretEnv is one environment variable read from a Secret key.
Usage: {{ include "langfuse.secretEnv" (dict "name" "SALT" "secret" $name "key" "salt") }}
*/}}
{{- define "langfuse.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret | quote }}
      key: {{ .key | quote }}
{{- end }}

{{/*
langfuse.env is the environment shared by web, worker and the migration Job. Plain settings
come from the chart's ConfigMap (envFrom); every credential is a secretKeyRef here, so no
secret value is ever rendered into a ConfigMap, an env value or an annotation.
*/}}
{{- define "langfuse.env" -}}
{{- $secrets := include "langfuse.secretsName" . }}
{{- $stores := include "langfuse.stores" . | fromYaml }}
{{- include "langfuse.secretEnv" (dict "name" "NEXTAUTH_SECRET" "secret" $secrets "key" "nextauth-secret") }}
{{ include "langfuse.secretEnv" (dict "name" "SALT" "secret" $secrets "key" "salt") }}
{{ include "langfuse.secretEnv" (dict "name" "ENCRYPTION_KEY" "secret" $secrets "key" "encryption-key") }}
{{ include "langfuse.secretEnv" (dict "name" "DATABASE_PASSWORD" "secret" (include "langfuse.tpl" (dict "value" $stores.database.existingSecret "context" .)) "key" .Values.database.passwordKey) }}
{{ include "langfuse.secretEnv" (dict "name" "CLICKHOUSE_PASSWORD" "secret" (include "langfuse.tpl" (dict "value" $stores.clickhouse.existingSecret "context" .)) "key" .Values.clickhouse.passwordKey) }}
{{- with $stores.redis.existingSecret }}
{{ include "langfuse.secretEnv" (dict "name" "REDIS_AUTH" "secret" (include "langfuse.tpl" (dict "value" . "context" $)) "key" $.Values.redis.passwordKey) }}
{{- end }}
{{- if $stores.redis.sentinel.enabled }}
{{- with $stores.redis.sentinel.existingSecret }}
{{ include "langfuse.secretEnv" (dict "name" "REDIS_SENTINEL_PASSWORD" "secret" (include "langfuse.tpl" (dict "value" . "context" $)) "key" $stores.redis.sentinel.passwordKey) }}
{{- end }}
{{- end }}
{{- with $stores.s3.existingSecret }}
{{- $s3 := include "langfuse.tpl" (dict "value" . "context" $) }}
{{- range $use := concat (list "EVENT_UPLOAD" "MEDIA_UPLOAD") (ternary (list "BATCH_EXPORT") (list) $.Values.s3.batchExport.enabled) }}
{{ include "langfuse.secretEnv" (dict "name" (printf "LANGFUSE_S3_%s_ACCESS_KEY_ID" $use) "secret" $s3 "key" "access-key-id") }}
{{ include "langfuse.secretEnv" (dict "name" (printf "LANGFUSE_S3_%s_SECRET_ACCESS_KEY" $use) "secret" $s3 "key" "secret-access-key") }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
langfuse.initEnv is the headless initialisation of the web container (LANGFUSE_INIT_*):
organisation, project, its API keys and an admin user, created idempotently at every start.
*/}}
{{- define "langfuse.initEnv" -}}
{{- with .Values.init }}
{{- if .orgId }}
- name: LANGFUSE_INIT_ORG_ID
  value: {{ .orgId | quote }}
- name: LANGFUSE_INIT_ORG_NAME
  value: {{ .orgName | quote }}
- name: LANGFUSE_INIT_PROJECT_ID
  value: {{ .projectId | quote }}
- name: LANGFUSE_INIT_PROJECT_NAME
  value: {{ .projectName | quote }}
{{- with .projectKeys.existingSecret }}
{{- $keys := include "langfuse.tpl" (dict "value" . "context" $) }}
{{ include "langfuse.secretEnv" (dict "name" "LANGFUSE_INIT_PROJECT_PUBLIC_KEY" "secret" $keys "key" "public-key") }}
{{ include "langfuse.secretEnv" (dict "name" "LANGFUSE_INIT_PROJECT_SECRET_KEY" "secret" $keys "key" "secret-key") }}
{{- end }}
{{- if .admin.email }}
- name: LANGFUSE_INIT_USER_EMAIL
  value: {{ .admin.email | quote }}
- name: LANGFUSE_INIT_USER_NAME
  value: {{ .admin.name | quote }}
{{ include "langfuse.secretEnv" (dict "name" "LANGFUSE_INIT_USER_PASSWORD" "secret" (include "langfuse.tpl" (dict "value" .admin.existingSecret "context" $)) "key" "password") }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
