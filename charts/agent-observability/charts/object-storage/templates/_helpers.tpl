{{/*
object-storage.credentialsSecret is the Secret holding the S3 keys, from auth.existingSecret.
*/}}
{{- define "object-storage.credentialsSecret" -}}
{{- if not .Values.auth.existingSecret }}
{{- fail "object-storage: set auth.existingSecret to a Secret with access-key-id and secret-access-key (inside agent-observability they are generated for you)" }}
{{- end }}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}

{{/*
object-storage.image is the SeaweedFS image reference.
*/}}
{{- define "object-storage.image" -}}
{{- include "object-storage.imageReference" (dict "image" .Values.image "context" .) }}
{{- end }}

{{/*
object-storage.containerSecurityContext meets Pod Security "restricted" with a read-only
root filesystem.
*/}}
{{- define "object-storage.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/*
object-storage.credentialEnv are the S3 keys as environment variables from the Secret.
*/}}
{{- define "object-storage.credentialEnv" -}}
- name: S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "object-storage.credentialsSecret" . | quote }}
      key: access-key-id
- name: S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "object-storage.credentialsSecret" . | quote }}
      key: secret-access-key
{{- end }}
