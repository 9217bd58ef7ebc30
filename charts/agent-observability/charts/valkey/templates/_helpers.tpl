{{/*
valkey.name is the chart name, or nameOverride.
*/}}
{{- define "valkey.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
valkey.fullname is the name of this chart's resources: "<release>-<chart>", at most 63
characters. The release name is always included, so the parent chart can derive the names
of its subcharts' resources without calling their helpers.
*/}}
{{- define "valkey.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
valkey.chart is the chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "valkey.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
valkey.selectorLabels are the immutable labels that select a component's pods.
Usage: {{ include "valkey.selectorLabels" (dict "context" . "component" "web") }}
*/}}
{{- define "valkey.selectorLabels" -}}
app.kubernetes.io/name: {{ include "valkey.name" .context | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
valkey.labels are the recommended labels of every resource, plus commonLabels.
Usage: {{ include "valkey.labels" (dict "context" . "component" "web") }}
*/}}
{{- define "valkey.labels" -}}
{{ include "valkey.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: agent-observability
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
helm.sh/chart: {{ include "valkey.chart" .context }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
valkey.serviceAccountName is the ServiceAccount this chart's pods run as.
*/}}
{{- define "valkey.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "valkey.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

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

{{/*
valkey.networkPolicyEnabled is "true" when this chart's NetworkPolicies are on, by its own
networkPolicy.enabled or the parent's global.networkPolicy.enabled; empty otherwise.
*/}}
{{- define "valkey.networkPolicyEnabled" -}}
{{- if or .Values.networkPolicy.enabled (dig "networkPolicy" "enabled" false (.Values.global | default dict)) }}true{{ end }}
{{- end }}

{{/*
valkey.imageReference is "<registry>/<path>:<tag>" of one image of this chart;
the tag defaults to the chart's appVersion. global.imageRegistry, when set, replaces the registry the repository
names (docker.io, quay.io, ...) and keeps its path, so one setting moves every image of a
release to a private registry: docker.io/langfuse/langfuse becomes <registry>/langfuse/langfuse.
Usage: {{ include "valkey.imageReference" (dict "image" .Values.image "context" $) }}
*/}}
{{- define "valkey.imageReference" -}}
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
valkey.imagePullSecrets is the imagePullSecrets field of a pod: imagePullSecrets and
global.imagePullSecrets; nothing when both are empty.
Usage: {{ include "valkey.imagePullSecrets" . }}
*/}}
{{- define "valkey.imagePullSecrets" -}}
{{- $secrets := concat (.Values.imagePullSecrets | default list) (dig "imagePullSecrets" list (.Values.global | default dict)) | uniq }}
{{- with $secrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
