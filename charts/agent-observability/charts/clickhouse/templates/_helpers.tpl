{{/*
clickhouse.passwordSecret is the Secret holding the password, rendered from auth.existingSecret.
*/}}
{{- define "clickhouse.passwordSecret" -}}
{{- if not .Values.auth.existingSecret }}
{{- fail "clickhouse: set auth.existingSecret to a Secret with the default user's password under `password` (inside agent-observability it is generated for you)" }}
{{- end }}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}
