{{/*
clickhouse.name is the chart name, or nameOverride.
*/}}
{{- define "clickhouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
clickhouse.fullname is the name of this chart's resources: "<release>-<chart>", at most 63
characters. The release name is always included, so the parent chart can derive the names
of its subcharts' resources without calling their helpers.
*/}}
{{- define "clickhouse.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
clickhouse.chart is the chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "clickhouse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
clickhouse.selectorLabels are the immutable labels that select a component's pods.
Usage: {{ include "clickhouse.selectorLabels" (dict "context" . "component" "web") }}
*/}}
{{- define "clickhouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "clickhouse.name" .context | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
clickhouse.labels are the recommended labels of every resource, plus commonLabels.
Usage: {{ include "clickhouse.labels" (dict "context" . "component" "web") }}
*/}}
{{- define "clickhouse.labels" -}}
{{ include "clickhouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: agent-observability
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
helm.sh/chart: {{ include "clickhouse.chart" .context }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
clickhouse.serviceAccountName is the ServiceAccount this chart's pods run as.
*/}}
{{- define "clickhouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "clickhouse.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
clickhouse.passwordSecret is the Secret holding the password, rendered from auth.existingSecret.
*/}}
{{- define "clickhouse.passwordSecret" -}}
{{- if not .Values.auth.existingSecret }}
{{- fail "clickhouse: set auth.existingSecret to a Secret with the default user's password under `password` (inside agent-observability it is generated for you)" }}
{{- end }}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}

{{/*
clickhouse.networkPolicyEnabled is "true" when this chart's NetworkPolicies are on, by its own
networkPolicy.enabled or the parent's global.networkPolicy.enabled; empty otherwise.
*/}}
{{- define "clickhouse.networkPolicyEnabled" -}}
{{- if or .Values.networkPolicy.enabled (dig "networkPolicy" "enabled" false (.Values.global | default dict)) }}true{{ end }}
{{- end }}

{{/*
clickhouse.imageReference is "<registry>/<path>:<tag>" of one image of this chart;
the tag defaults to the chart's appVersion. global.imageRegistry, when set, replaces the registry the repository
names (docker.io, quay.io, ...) and keeps its path, so one setting moves every image of a
release to a private registry: docker.io/langfuse/langfuse becomes <registry>/langfuse/langfuse.
Usage: {{ include "clickhouse.imageReference" (dict "image" .Values.image "context" $) }}
*/}}
{{- define "clickhouse.imageReference" -}}
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
clickhouse.imagePullSecrets is the imagePullSecrets field of a pod: imagePullSecrets and
global.imagePullSecrets; nothing when both are empty.
Usage: {{ include "clickhouse.imagePullSecrets" . }}
*/}}
{{- define "clickhouse.imagePullSecrets" -}}
{{- $secrets := concat (.Values.imagePullSecrets | default list) (dig "imagePullSecrets" list (.Values.global | default dict)) | uniq }}
{{- with $secrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
