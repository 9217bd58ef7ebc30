{{/*
object-storage.name is the chart name, or nameOverride.
*/}}
{{- define "object-storage.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
object-storage.fullname is the name of this chart's resources: "<release>-<chart>", at most 63
characters. The release name is always included, so the parent chart can derive the names
of its subcharts' resources without calling their helpers.
*/}}
{{- define "object-storage.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
object-storage.chart is the chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "object-storage.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
object-storage.selectorLabels are the immutable labels that select a component's pods.
Usage: {{ include "object-storage.selectorLabels" (dict "context" . "component" "web") }}
*/}}
{{- define "object-storage.selectorLabels" -}}
app.kubernetes.io/name: {{ include "object-storage.name" .context | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
object-storage.labels are the recommended labels of every resource, plus commonLabels.
Usage: {{ include "object-storage.labels" (dict "context" . "component" "web") }}
*/}}
{{- define "object-storage.labels" -}}
{{ include "object-storage.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: agent-observability
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
helm.sh/chart: {{ include "object-storage.chart" .context }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
object-storage.serviceAccountName is the ServiceAccount this chart's pods run as.
*/}}
{{- define "object-storage.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "object-storage.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

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

{{/*
object-storage.networkPolicyEnabled is "true" when this chart's NetworkPolicies are on, by its own
networkPolicy.enabled or the parent's global.networkPolicy.enabled; empty otherwise.
*/}}
{{- define "object-storage.networkPolicyEnabled" -}}
{{- if or .Values.networkPolicy.enabled (dig "networkPolicy" "enabled" false (.Values.global | default dict)) }}true{{ end }}
{{- end }}

{{/*
object-storage.imageReference is "<registry>/<path>:<tag>" of one image of this chart;
the tag defaults to the chart's appVersion. global.imageRegistry, when set, replaces the registry the repository
names (docker.io, quay.io, ...) and keeps its path, so one setting moves every image of a
release to a private registry: docker.io/langfuse/langfuse becomes <registry>/langfuse/langfuse.
Usage: {{ include "object-storage.imageReference" (dict "image" .Values.image "context" $) }}
*/}}
{{- define "object-storage.imageReference" -}}
{{- $registry := dig "imageRegistry" "" (.context.Values.global | default dict) }}
{{- $repository := .image.repository }}
{{- if $registry }}
{{- $path := splitList "/" $repository }}
{{- /* Docker's rule: a first component with a dot or a colon, or localhost, is a registry. */}}
{{- if and (gt (len $path) 1) (regexMatch "[.:]|^localhost$" (first $path)) }}
{{- $repository = rest $path | join "/" }}
{{- end }}
{{- $repository = printf "%s/%s" (trimSuffix "/" $registry) $repository }}
{{- end }}
{{- printf "%s:%v" $repository (default .context.Chart.AppVersion .image.tag) }}
{{- end }}

{{/*
object-storage.imagePullSecrets is the imagePullSecrets field of a pod: imagePullSecrets and
global.imagePullSecrets; nothing when both are empty.
Usage: {{ include "object-storage.imagePullSecrets" . }}
*/}}
{{- define "object-storage.imagePullSecrets" -}}
{{- $secrets := concat (.Values.imagePullSecrets | default list) (dig "imagePullSecrets" list (.Values.global | default dict)) | uniq }}
{{- with $secrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
