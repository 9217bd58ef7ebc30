{{/*
langfuse.image is the reference of the web or worker image; the tag defaults to appVersion.
Usage: {{ include "langfuse.image" (dict "image" .Values.image.web "context" $) }}
*/}}
{{- define "langfuse.image" -}}
{{- include "langfuse.imageReference" . }}
{{- end }}

{{/*
langfuse.secretsName is the Secret holding NEXTAUTH_SECRET, SALT and ENCRYPTION_KEY: the
existing Secret when named, else the one this chart renders from the given values.
*/}}
{{- define "langfuse.secretsName" -}}
{{- if .Values.secrets.existingSecret }}
{{- include "langfuse.tpl" (dict "value" .Values.secrets.existingSecret "context" .) }}
{{- else }}
{{- printf "%s-secrets" (include "langfuse.fullname" .) }}
{{- end }}
{{- end }}

{{/*
langfuse.podSecurityContext runs every LangFuse pod as the images' non-root user (1001).
*/}}
{{- define "langfuse.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1001
runAsGroup: 1001
fsGroup: 1001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
langfuse.containerSecurityContext meets Pod Security "restricted" with a read-only root
filesystem; the containers write only to the emptyDir volumes mounted for them.
*/}}
{{- define "langfuse.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/*
langfuse.dogstatsd is where the worker sends its DogStatsD lines (YAML map: enabled, host,
port): worker.dogstatsd, its host, when empty, the one agent-observability imports from its
collector into bundled.dogstatsd (the collector's Service, its exports.langfuse), and the port
defaulting to DogStatsD's 8125.
*/}}
{{- define "langfuse.dogstatsd" -}}
{{- $settings := deepCopy .Values.worker.dogstatsd }}
{{- $bundled := dig "dogstatsd" dict (.Values.bundled | default dict) }}
{{- $_ := set $settings "host" (include "langfuse.tpl" (dict "value" ($settings.host | default $bundled.host) "context" .)) }}
{{- $_ := set $settings "port" (int $settings.port | default 8125) }}
{{- toYaml $settings }}
{{- end }}

{{/*
langfuse.dogstatsdEnv is the worker's DogStatsD destination as dd-trace 5.109.0 reads it
(packages/dd-trace/src/config/supported-configurations.json: DD_DOGSTATSD_HOST,
DD_DOGSTATSD_PORT, DD_TAGS; dogstatsd.js adds DD_TAGS to every line), when
langfuse.dogstatsd is enabled. DD_TAGS names the pod (the downward API's metadata.name), so the
receiver keeps each worker's counters apart. DD_AGENT_HOST stays unset: dd-trace would send its
metrics to that host's agent port (8126, /dogstatsd/v2/proxy) first; unset, that attempt goes
to the pod's own loopback, is refused, and the lines go over UDP (dogstatsd.js _sendHttp).
*/}}
{{- define "langfuse.dogstatsdEnv" -}}
{{- $dogstatsd := include "langfuse.dogstatsd" . | fromYaml }}
{{- if $dogstatsd.enabled }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: DD_DOGSTATSD_HOST
  value: {{ $dogstatsd.host | quote }}
- name: DD_DOGSTATSD_PORT
  value: {{ $dogstatsd.port | quote }}
- name: DD_TAGS
  value: "worker_pod:$(POD_NAME)"
{{- end }}
{{- end }}
