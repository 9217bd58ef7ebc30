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

