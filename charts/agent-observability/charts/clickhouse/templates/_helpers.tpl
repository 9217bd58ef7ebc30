{{/*
clickhouse.passwordSecret is the Secret holding the password, rendered from auth.existingSecret
(validate.yaml refuses it empty).
*/}}
{{- define "clickhouse.passwordSecret" -}}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}
