{{/*
postgres.selectorLabels are the immutable labels that select a component's pods: the server's
(no component) or the backup's ("backup"). A component's pods are named "<name>-<component>",
so the server's Services and NetworkPolicy, which select by name and instance, never match them.
Usage: {{ include "postgres.selectorLabels" (dict "context" . "component" "backup") }}
*/}}
{{- define "postgres.selectorLabels" -}}
{{- $name := include "postgres.name" .context -}}
app.kubernetes.io/name: {{ empty .component | ternary $name (printf "%s-%s" $name .component | trunc 63 | trimSuffix "-") | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
postgres.image is the PostgreSQL image, for the server and the backup alike: the backup's
pg_dump is always the server's version.
*/}}
{{- define "postgres.image" -}}
{{- include "postgres.imageReference" (dict "image" .Values.image "context" .) }}
{{- end }}

{{/*
postgres.passwordSecret is the Secret holding the password, rendered from auth.existingSecret
(validate.yaml refuses it empty).
*/}}
{{- define "postgres.passwordSecret" -}}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}
