{{/*
object-storage.name is the chart name, or nameOverride.
*/}}
{{- define "object-storage.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
object-storage.fullname is the release-qualified name of this chart's resources, at most 63 characters.
The release name is not repeated when it already contains the chart name.
*/}}
{{- define "object-storage.fullname" -}}
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
app.kubernetes.io/name: {{ include "object-storage.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
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
