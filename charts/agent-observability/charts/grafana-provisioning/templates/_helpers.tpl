{{/*
grafana-provisioning.name is the chart name, or nameOverride.
*/}}
{{- define "grafana-provisioning.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
grafana-provisioning.fullname is the name of this chart's resources: "<release>-<chart>", at most 63
characters. The release name is always included, so the parent chart can derive the names
of its subcharts' resources without calling their helpers.
*/}}
{{- define "grafana-provisioning.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
grafana-provisioning.chart is the chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "grafana-provisioning.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
grafana-provisioning.selectorLabels are the immutable labels that select a component's pods.
Usage: {{ include "grafana-provisioning.selectorLabels" (dict "context" . "component" "web") }}
*/}}
{{- define "grafana-provisioning.selectorLabels" -}}
app.kubernetes.io/name: {{ include "grafana-provisioning.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
grafana-provisioning.labels are the recommended labels of every resource, plus commonLabels.
Usage: {{ include "grafana-provisioning.labels" (dict "context" . "component" "web") }}
*/}}
{{- define "grafana-provisioning.labels" -}}
{{ include "grafana-provisioning.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: agent-observability
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
helm.sh/chart: {{ include "grafana-provisioning.chart" .context }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
grafana-provisioning.serviceAccountName is the ServiceAccount this chart's pods run as.
*/}}
{{- define "grafana-provisioning.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "grafana-provisioning.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}
