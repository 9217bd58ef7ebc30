{{/*
valkey.passwordSecret is the Secret holding the password, rendered from auth.existingSecret.
*/}}
{{- define "valkey.passwordSecret" -}}
{{- if not .Values.auth.existingSecret }}
{{- fail "valkey: set auth.existingSecret to a Secret with the password under `password` (inside agent-observability it is generated for you)" }}
{{- end }}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}

{{/*
valkey.config is valkey.conf. LangFuse's BullMQ queues require maxmemory-policy noeviction.
`bind * -::*` listens on every IPv4 and IPv6 address, and the leading `-` lets the server
start where the pod has no IPv6 (valkey.conf: "like the default, all available interfaces").
*/}}
{{- define "valkey.config" -}}
{{- range $line := splitList "\n" .Values.extraConfig }}
{{- if regexMatch "^\\s*maxmemory-policy\\s+" $line }}
{{- if not (regexMatch "^\\s*maxmemory-policy\\s+noeviction\\s*$" $line) }}
{{- fail (printf "valkey: extraConfig sets %q, but LangFuse needs maxmemory-policy noeviction (its queues must never be evicted)" (trim $line)) }}
{{- end }}
{{- end }}
{{- end -}}
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
