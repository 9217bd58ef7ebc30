{{/*
clickhouse.name is the chart name, or nameOverride.
*/}}
{{- define "clickhouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
clickhouse.fullname is the release-qualified name of this chart's resources, at most 63 characters.
The release name is not repeated when it already contains the chart name.
*/}}
{{- define "clickhouse.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
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
app.kubernetes.io/name: {{ include "clickhouse.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
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
