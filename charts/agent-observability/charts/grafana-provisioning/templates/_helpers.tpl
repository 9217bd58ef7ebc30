{{/*
grafana-provisioning.name is the chart name, or nameOverride.
*/}}
{{- define "grafana-provisioning.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
grafana-provisioning.fullname is the name of this chart's ConfigMaps and monitoring objects:
"<release>-<chart>", at most 63 characters. The release name is always included, so the parent
chart can derive the names of its subcharts' resources without calling their helpers.
*/}}
{{- define "grafana-provisioning.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
grafana-provisioning.componentName is the name of the embedded Grafana's or Prometheus' resources:
"<release>-grafana", "<release>-prometheus" (with fullnameOverride: "<override>-grafana"), the
names users of the Grafana and kube-prometheus-stack charts expect.
Usage: {{ include "grafana-provisioning.componentName" (dict "context" . "component" "grafana") }}
*/}}
{{- define "grafana-provisioning.componentName" -}}
{{- printf "%s-%s" (default .context.Release.Name .context.Values.fullnameOverride) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
grafana-provisioning.chart is the chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "grafana-provisioning.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
grafana-provisioning.selectorLabels are the immutable labels that select a component's pods.
Usage: {{ include "grafana-provisioning.selectorLabels" (dict "context" . "component" "grafana") }}
*/}}
{{- define "grafana-provisioning.selectorLabels" -}}
app.kubernetes.io/name: {{ include "grafana-provisioning.name" .context | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
grafana-provisioning.labels are the recommended labels of every resource, plus commonLabels.
Usage: {{ include "grafana-provisioning.labels" (dict "context" . "component" "grafana") }}
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
grafana-provisioning.tpl renders a "Template" value (a string that may hold template expressions).
Usage: {{ include "grafana-provisioning.tpl" (dict "value" .Values.datasource.url "context" .) }}
*/}}
{{- define "grafana-provisioning.tpl" -}}
{{- tpl (toString .value) .context }}
{{- end }}

{{/*
grafana-provisioning.collectorSelector is the collector's selector labels (YAML map), templated.
*/}}
{{- define "grafana-provisioning.collectorSelector" -}}
{{- $labels := dict }}
{{- range $key, $value := .Values.collector.selectorLabels }}
{{- $_ := set $labels $key (include "grafana-provisioning.tpl" (dict "value" $value "context" $)) }}
{{- end }}
{{- toYaml $labels }}
{{- end }}

{{/*
grafana-provisioning.jobs are the `job` labels of this release's scrape targets (YAML map):
  genai      the collector's GenAI metrics port
  telemetry  the collector's own telemetry port
  agents     agents' own /metrics (the embedded Prometheus' annotated pods)
each "<namespace>/<release>-<endpoint>", as the Prometheus Operator names a PodMonitor's job, so
no target of another release or another collector shares one: the rules and dashboards select
this release's series by them.
*/}}
{{- define "grafana-provisioning.jobs" -}}
{{- $prefix := printf "%s/%s" .Release.Namespace .Release.Name }}
{{- toYaml (dict
    "genai" (printf "%s-otel-collector-genai" $prefix)
    "telemetry" (printf "%s-otel-collector-telemetry" $prefix)
    "agents" (printf "%s-agents" $prefix)) }}
{{- end }}

{{/*
grafana-provisioning.collectorJobs is the `job` label of each collector endpoint Prometheus
scrapes (YAML map job: port name), the same for the embedded Prometheus' scrape jobs and the
ServiceMonitor's endpoints, so the rules select the same series in both.
*/}}
{{- define "grafana-provisioning.collectorJobs" -}}
{{- $jobs := include "grafana-provisioning.jobs" . | fromYaml }}
{{- toYaml (dict $jobs.genai .Values.collector.metricsPort $jobs.telemetry .Values.collector.telemetryPort) }}
{{- end }}

{{/*
grafana-provisioning.ruleScope keeps the rules to this release's series (YAML map of PromQL
label matchers, and labels):
  genai      the GenAI metrics of this release's collector and of its agents' own /metrics
  telemetry  the collector's own telemetry
  recorded   what this release's rules record (recordedQuoted: the same in single quotes, for
             the queries inside alert annotations)
  labels     what every recording and alerting rule adds: namespace and release, so two
             releases' rules record apart in one Prometheus and their alerts route by namespace
*/}}
{{- define "grafana-provisioning.ruleScope" -}}
{{- $jobs := include "grafana-provisioning.jobs" . | fromYaml }}
{{- $labels := dict "namespace" .Release.Namespace "release" .Release.Name }}
{{- toYaml (dict
    "genai" (printf "job=~%q" (printf "%s|%s" (regexQuoteMeta $jobs.genai) (regexQuoteMeta $jobs.agents)))
    "telemetry" (printf "job=%q" $jobs.telemetry)
    "recorded" (printf "namespace=%q,release=%q" $labels.namespace $labels.release)
    "recordedQuoted" (printf "namespace='%s',release='%s'" $labels.namespace $labels.release)
    "labels" $labels) }}
{{- end }}

{{/*
grafana-provisioning.prometheusUrl is the URL the datasource queries: datasource.url, or the
embedded Prometheus' Service.
*/}}
{{- define "grafana-provisioning.prometheusUrl" -}}
{{- with .Values.datasource.url }}
{{- include "grafana-provisioning.tpl" (dict "value" . "context" $) }}
{{- else }}
{{- printf "http://%s.%s.svc:%v" (include "grafana-provisioning.componentName" (dict "context" . "component" "prometheus")) .Release.Namespace .Values.prometheus.service.port }}
{{- end }}
{{- end }}

{{/*
grafana-provisioning.datasources is Grafana's datasource provisioning file (YAML): the Prometheus
the dashboards default to, with the alerts Prometheus evaluates shown in Grafana's alerting view.
isDefault says whether it is that Grafana's default datasource (grafana.datasourceIsDefault,
grafanaSidecar.datasourceIsDefault).
Usage: {{ include "grafana-provisioning.datasources" (dict "context" . "isDefault" .Values.grafana.datasourceIsDefault) }}
*/}}
{{- define "grafana-provisioning.datasources" -}}
{{- $v := .context.Values }}
{{- toYaml (dict
    "apiVersion" 1
    "prune" true
    "datasources" (list (dict
        "name" $v.datasource.name
        "uid" $v.datasource.uid
        "type" "prometheus"
        "access" "proxy"
        "url" (include "grafana-provisioning.prometheusUrl" .context)
        "isDefault" .isDefault
        "editable" false
        "jsonData" (dict
            "httpMethod" "POST"
            "manageAlerts" true
            "prometheusType" "Prometheus"
            "timeInterval" $v.prometheus.scrapeInterval)))) }}
{{- end }}

{{/*
grafana-provisioning.validate fails the render with what to set when the values contradict each other.
*/}}
{{- define "grafana-provisioning.validate" -}}
{{- $v := .Values }}
{{- if and $v.grafana.enabled (not $v.grafana.admin.existingSecret) }}
{{- fail "grafana-provisioning: grafana.enabled is true: set grafana.admin.existingSecret to a Secret with the admin password (key grafana.admin.passwordKey)" }}
{{- end }}
{{- if and $v.grafana.enabled $v.grafana.ingress.enabled (not $v.grafana.ingress.host) }}
{{- fail "grafana-provisioning: grafana.ingress.enabled is true: set grafana.ingress.host, e.g. grafana.example.com" }}
{{- end }}
{{- if and (or $v.grafana.enabled $v.grafanaSidecar.datasource) (not $v.prometheus.enabled) (not $v.datasource.url) }}
{{- fail "grafana-provisioning: the Grafana datasource has no Prometheus: turn on prometheus.enabled, or set datasource.url to your Prometheus (e.g. http://kube-prometheus-stack-prometheus.monitoring:9090)" }}
{{- end }}
{{- $entries := dict "budgets.tenants" (list $v.budgets.tenants (list "tenant" "monthlyUsd")) "budgets.alertAt" (list $v.budgets.alertAt (list "ratio" "severity")) "objectives" (list $v.objectives (list "agent" "successRatio" "latency")) }}
{{- range $list, $spec := $entries }}
{{- range (first $spec) }}
{{- $unknown := list }}
{{- range $key := keys . | sortAlpha }}
{{- if not (has $key (last $spec)) }}
{{- $unknown = append $unknown $key }}
{{- end }}
{{- end }}
{{- if $unknown }}
{{- fail (printf "grafana-provisioning: %s: unknown keys %v; an entry has %v" $list $unknown (last $spec)) }}
{{- end }}
{{- end }}
{{- end }}
{{- $tenants := list }}
{{- range $v.budgets.tenants }}
{{- if not (and (kindIs "string" .tenant) .tenant) }}
{{- fail (printf "grafana-provisioning: budgets.tenants: every entry needs a tenant (the tenant_id label value), got %v" .tenant) }}
{{- end }}
{{- if not (and (or (kindIs "float64" .monthlyUsd) (kindIs "int64" .monthlyUsd)) (gt (float64 .monthlyUsd) 0.0)) }}
{{- fail (printf "grafana-provisioning: budgets.tenants: the monthlyUsd of tenant %q must be a number of USD above 0, got %v" .tenant .monthlyUsd) }}
{{- end }}
{{- if has .tenant $tenants }}
{{- fail (printf "grafana-provisioning: budgets.tenants lists tenant %q twice; give each tenant one monthly budget" .tenant) }}
{{- end }}
{{- $tenants = append $tenants .tenant }}
{{- end }}
{{- range $v.budgets.alertAt }}
{{- if not (and (or (kindIs "float64" .ratio) (kindIs "int64" .ratio)) (gt (float64 .ratio) 0.0)) }}
{{- fail (printf "grafana-provisioning: budgets.alertAt: ratio must be a share of the budget above 0 (0.8 for 80%%), got %v" .ratio) }}
{{- end }}
{{- if not (has .severity (list "info" "warning" "critical")) }}
{{- fail (printf "grafana-provisioning: budgets.alertAt: severity must be info, warning or critical, got %v" .severity) }}
{{- end }}
{{- end }}
{{- $agents := list }}
{{- range $v.objectives }}
{{- $ratios := dict "successRatio" .successRatio }}
{{- with .latency }}
{{- $_ := set $ratios "latency.ratio" .ratio }}
{{- if not (and (or (kindIs "float64" .thresholdSeconds) (kindIs "int64" .thresholdSeconds)) (gt (float64 .thresholdSeconds) 0.0)) }}
{{- fail (printf "grafana-provisioning: objectives: latency.thresholdSeconds must be a number of seconds above 0, got %v" .thresholdSeconds) }}
{{- end }}
{{- end }}
{{- range $key, $ratio := $ratios }}
{{- if and (not (kindIs "invalid" $ratio)) (not (and (or (kindIs "float64" $ratio) (kindIs "int64" $ratio)) (gt (float64 $ratio) 0.0) (lt (float64 $ratio) 1.0))) }}
{{- fail (printf "grafana-provisioning: objectives: %s must be a share strictly between 0 and 1 (0.99 for 99%%), got %v" $key $ratio) }}
{{- end }}
{{- end }}
{{- if has .agent $agents }}
{{- fail (printf "grafana-provisioning: objectives lists agent %q twice; put its successRatio and latency in one entry" .agent) }}
{{- end }}
{{- $agents = append $agents .agent }}
{{- if not (or .successRatio .latency) }}
{{- fail (printf "grafana-provisioning: objective of agent %q sets neither successRatio nor latency" .agent) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
grafana-provisioning.networkPolicyEnabled is "true" when NetworkPolicies are on, for this chart
(networkPolicy.enabled) or for the whole release (global.networkPolicy.enabled).
*/}}
{{- define "grafana-provisioning.networkPolicyEnabled" -}}
{{- if or .Values.networkPolicy.enabled (dig "networkPolicy" "enabled" false (.Values.global | default dict)) }}true{{ end }}
{{- end }}

{{/*
grafana-provisioning.imageReference is "<registry>/<path>:<tag>" of one image of this chart;
the tag defaults to the chart's appVersion. global.imageRegistry, when set, replaces the registry the repository
names (docker.io, quay.io, ...) and keeps its path, so one setting moves every image of a
release to a private registry: docker.io/langfuse/langfuse becomes <registry>/langfuse/langfuse.
Usage: {{ include "grafana-provisioning.imageReference" (dict "image" .Values.image "context" $) }}
*/}}
{{- define "grafana-provisioning.imageReference" -}}
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
grafana-provisioning.imagePullSecrets is the imagePullSecrets field of a pod: imagePullSecrets and
global.imagePullSecrets; nothing when both are empty.
Usage: {{ include "grafana-provisioning.imagePullSecrets" . }}
*/}}
{{- define "grafana-provisioning.imagePullSecrets" -}}
{{- $secrets := concat (.Values.imagePullSecrets | default list) (dig "imagePullSecrets" list (.Values.global | default dict)) | uniq }}
{{- with $secrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
