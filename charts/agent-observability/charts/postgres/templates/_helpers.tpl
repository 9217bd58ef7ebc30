{{/*
postgres.selectorLabels are the immutable labels that select a component's pods: the server's
(no component) or the backup's ("backup"). A component's pods are named "<name>-<component>",
so the server's Services and NetworkPolicy, which select by name and instance, never match them.
Usage: {{ include "postgres.selectorLabels" (dict "context" . "component" "backup") }}
*/}}
{{- define "postgres.selectorLabels" -}}
{{- $name := include "postgres.name" .context -}}
app.kubernetes.io/name: {{ empty .component | ternary $name (printf "%s-%s" $name .component | trunc 63 | trimSuffix "-") | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
postgres.image is the PostgreSQL image, for the server and the backup alike: the backup's
pg_dump is always the server's version.
*/}}
{{- define "postgres.image" -}}
{{- include "postgres.imageReference" (dict "image" .Values.image "context" .) }}
{{- end }}

{{/*
postgres.passwordSecret is the Secret holding the password, rendered from auth.existingSecret
(validate.yaml refuses it empty).
*/}}
{{- define "postgres.passwordSecret" -}}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}

{{/*
postgres.cloudnativepgImage is the PostgreSQL image of the CloudNativePG instances: CloudNativePG's
own (its instance manager needs its layout, the official image's does not fit), by default the
chart's PostgreSQL release in the `minimal` flavour on Debian trixie, the rolling tag
"<major.minor>-minimal-trixie" (cloudnative-pg/postgres-containers README, Image Tags).
*/}}
{{- define "postgres.cloudnativepgImage" -}}
{{- $image := .Values.cloudnativepg.image }}
{{- include "postgres.imageReference" (dict "image" (dict "repository" $image.repository "tag" (default (printf "%s-minimal-trixie" .Chart.AppVersion) $image.tag)) "context" .) }}
{{- end }}

{{/*
postgres.cloudnativepgPlugin is the name the Barman Cloud plugin registers with CloudNativePG
(plugin-barman-cloud v0.14.0 web/docs/usage.md: the Cluster's plugins[].name, a Backup's
pluginConfiguration.name).
*/}}
{{- define "postgres.cloudnativepgPlugin" -}}
barman-cloud.cloudnative-pg.io
{{- end }}

{{/*
postgres.cloudnativepgPorts are the ports of a CloudNativePG instance (YAML map): PostgreSQL,
the instance manager's status port the operator calls, and the metrics exporter's
(CloudNativePG v1.30.0 pkg/postgres/configuration.go ServerPort,
pkg/management/url/url.go StatusPort and PostgresMetricsPort).
*/}}
{{- define "postgres.cloudnativepgPorts" -}}
postgres: 5432
status: 8000
metrics: 9187
{{- end }}

{{/*
postgres.cloudnativepgInstanceSelector selects the Cluster's instance pods (YAML map) by the labels
CloudNativePG gives them (v1.30.0 pkg/utils/labels_annotations.go ClusterLabelName,
PodRoleLabelName; pkg/specs/podmonitor.go selects them so).
*/}}
{{- define "postgres.cloudnativepgInstanceSelector" -}}
cnpg.io/cluster: {{ include "postgres.fullname" . | quote }}
cnpg.io/podRole: instance
{{- end }}
