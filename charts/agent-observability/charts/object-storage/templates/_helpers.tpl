{{/*
object-storage.credentialsSecret is the Secret holding the S3 keys, from auth.existingSecret (validate.yaml refuses
it empty).
*/}}
{{- define "object-storage.credentialsSecret" -}}
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
