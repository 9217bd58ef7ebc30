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

{{/*
object-storage.expiryCommands are the `weed shell` commands (single-quoted words for printf)
that set each expiry rule: a per-path TTL in filer.conf (weed/shell/command_fs_configure.go,
flags -locationPrefix, -ttl, -delete, -apply, at SeaweedFS 4.53, the appVersion: the module
hack/tools/weed pins), which the filer gives every object written under the prefix
(weed/server/filer_server_handlers_write.go detectStorageOption) and after which it no longer
finds it and deletes it (weed/filer/filer.go FindEntry), while the volume drops its data; days 0
deletes the rule. SeaweedFS counts a TTL in one byte of one unit (weed/storage/needle/
volume_ttl.go fitTtlCount): up to 255 days exactly, longer ones in whole weeks, rounded down.
A bucket's objects live under /buckets/<bucket>/, the filer's default buckets folder
(weed/server/filer_server.go, filer.options.buckets_folder), which the chart does not change.
*/}}
{{- define "object-storage.expiryCommands" -}}
{{- $commands := list }}
{{- range .Values.expiry }}
{{- $location := printf "-locationPrefix=/buckets/%s/%s" .bucket .prefix }}
{{- if .days }}
{{- $commands = append $commands (printf "'fs.configure %s -ttl=%dd -apply'" $location (int .days)) }}
{{- else }}
{{- $commands = append $commands (printf "'fs.configure %s -delete -apply'" $location) }}
{{- end }}
{{- end }}
{{- join " " $commands }}
{{- end }}
