{{/*
valkey.passwordSecret is the Secret holding the password, rendered from auth.existingSecret
(validate.yaml refuses it empty).
*/}}
{{- define "valkey.passwordSecret" -}}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}

{{/*
valkey.config is valkey.conf. LangFuse's BullMQ queues require maxmemory-policy noeviction
(validate.yaml refuses another in extraConfig).
`bind * -::*` listens on every IPv4 and IPv6 address, and the leading `-` lets the server
start where the pod has no IPv6 (valkey.conf: "like the default, all available interfaces").
*/}}
{{- define "valkey.config" -}}
bind * -::*
port 6379
dir /data
appendonly yes
appendfsync everysec
maxmemory {{ .Values.maxmemory }}
maxmemory-policy noeviction
# The password is written by the init container from the Secret.
include /run/valkey/auth.conf
{{- with .Values.extraConfig }}
{{ . }}
{{- end }}
{{- end }}
