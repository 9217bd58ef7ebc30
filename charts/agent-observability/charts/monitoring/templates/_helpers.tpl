{{/*
monitoring.componentName is the name of the embedded Grafana's or Prometheus' resources:
"<release>-grafana", "<release>-prometheus" (with fullnameOverride: "<override>-grafana"), the
names users of the Grafana and kube-prometheus-stack charts expect.
Usage: {{ include "monitoring.componentName" (dict "context" . "component" "grafana") }}
*/}}
{{- define "monitoring.componentName" -}}
{{- printf "%s-%s" (default .context.Release.Name .context.Values.fullnameOverride) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
monitoring.collectorSelector is the collector's selector labels (YAML map), templated.
*/}}
{{- define "monitoring.collectorSelector" -}}
{{- $labels := dict }}
{{- range $key, $value := .Values.collector.selectorLabels }}
{{- $_ := set $labels $key (include "monitoring.tpl" (dict "value" $value "context" $)) }}
{{- end }}
{{- toYaml $labels }}
{{- end }}

{{/*
monitoring.jobs are the `job` labels of this release's scrape targets (YAML map):
  genai      the collector's GenAI metrics port
  telemetry  the collector's own telemetry port
  agents     agents' own /metrics (the embedded Prometheus' annotated pods)
each "<namespace>/<release>-<endpoint>", as the Prometheus Operator names a PodMonitor's job, so
no target of another release or another collector shares one: the rules and dashboards select
this release's series by them.
*/}}
{{- define "monitoring.jobs" -}}
{{- $prefix := printf "%s/%s" .Release.Namespace .Release.Name }}
{{- toYaml (dict
    "genai" (printf "%s-otel-collector-genai" $prefix)
    "telemetry" (printf "%s-otel-collector-telemetry" $prefix)
    "agents" (printf "%s-agents" $prefix)) }}
{{- end }}

{{/*
monitoring.collectorJobs is the `job` label of each collector endpoint Prometheus
scrapes (YAML map job: port name), the same for the embedded Prometheus' scrape jobs and the
ServiceMonitor's endpoints, so the rules select the same series in both.
*/}}
{{- define "monitoring.collectorJobs" -}}
{{- $jobs := include "monitoring.jobs" . | fromYaml }}
{{- toYaml (dict $jobs.genai .Values.collector.metricsPort $jobs.telemetry .Values.collector.telemetryPort) }}
{{- end }}

{{/*
monitoring.ruleScope keeps the rules to this release's series (YAML map of PromQL
label matchers, and labels):
  genai      the GenAI metrics of this release's collector and of its agents' own /metrics
  telemetry  the collector's own telemetry
  recorded   what this release's rules record (recordedQuoted: the same in single quotes, for
             the queries inside alert annotations)
  labels     what every recording and alerting rule adds: namespace and release, so two
             releases' rules record apart in one Prometheus and their alerts route by namespace
*/}}
{{- define "monitoring.ruleScope" -}}
{{- $jobs := include "monitoring.jobs" . | fromYaml }}
{{- $labels := dict "namespace" .Release.Namespace "release" .Release.Name }}
{{- toYaml (dict
    "genai" (printf "job=~%q" (printf "%s|%s" (regexQuoteMeta $jobs.genai) (regexQuoteMeta $jobs.agents)))
    "telemetry" (printf "job=%q" $jobs.telemetry)
    "recorded" (printf "namespace=%q,release=%q" $labels.namespace $labels.release)
    "recordedQuoted" (printf "namespace='%s',release='%s'" $labels.namespace $labels.release)
    "labels" $labels) }}
{{- end }}

{{/*
monitoring.prometheusUrl is the URL the datasource queries: datasource.url, or the
embedded Prometheus' Service.
*/}}
{{- define "monitoring.prometheusUrl" -}}
{{- with .Values.datasource.url }}
{{- include "monitoring.tpl" (dict "value" . "context" $) }}
{{- else }}
{{- printf "http://%s.%s.svc:%v" (include "monitoring.componentName" (dict "context" . "component" "prometheus")) .Release.Namespace .Values.prometheus.service.port }}
{{- end }}
{{- end }}

{{/*
monitoring.datasources is Grafana's datasource provisioning file (YAML): the Prometheus
the dashboards default to, with the alerts Prometheus evaluates shown in Grafana's alerting view,
and the embedded Alertmanager, when it runs, with its alerts and silences.
isDefault says whether it is that Grafana's default datasource (grafana.datasourceIsDefault,
grafanaSidecar.datasourceIsDefault).
Usage: {{ include "monitoring.datasources" (dict "context" . "isDefault" .Values.grafana.datasourceIsDefault) }}
*/}}
{{- define "monitoring.datasources" -}}
{{- $v := .context.Values }}
{{- $prometheus := dict
        "name" $v.datasource.name
        "uid" $v.datasource.uid
        "type" "prometheus"
        "access" "proxy"
        "url" (include "monitoring.prometheusUrl" .context)
        "isDefault" .isDefault
        "editable" false
        "jsonData" (dict
            "httpMethod" "POST"
            "manageAlerts" true
            "prometheusType" "Prometheus"
            "timeInterval" $v.prometheus.scrapeInterval) }}
{{- $datasources := list $prometheus }}
{{- if include "monitoring.alertmanagerEnabled" .context }}
{{- /* Grafana's Alertmanager datasource (Grafana 12.3 docs, datasources/alertmanager): the
Prometheus implementation, whose silences Grafana can edit; Grafana's own alerts stay in
Grafana (handleGrafanaManagedAlerts). The Prometheus datasource names it for its alerts. */}}
{{- $_ := set $prometheus.jsonData "alertmanagerUid" $v.datasource.alertmanagerUid }}
{{- $datasources = append $datasources (dict
    "name" (printf "%s Alertmanager" $v.datasource.name)
    "uid" $v.datasource.alertmanagerUid
    "type" "alertmanager"
    "access" "proxy"
    "url" (include "monitoring.alertmanagerUrl" .context)
    "isDefault" false
    "editable" false
    "jsonData" (dict "implementation" "prometheus" "handleGrafanaManagedAlerts" false)) }}
{{- end }}
{{- toYaml (dict "apiVersion" 1 "prune" true "datasources" $datasources) }}
{{- end }}

{{/*
monitoring.validate fails the render with what to set when the values contradict each other.
*/}}
{{- define "monitoring.validate" -}}
{{- $v := .Values }}
{{- if and $v.grafana.enabled (not $v.grafana.admin.existingSecret) }}
{{- fail "monitoring: grafana.enabled is true: set grafana.admin.existingSecret to a Secret with the admin password (key grafana.admin.passwordKey)" }}
{{- end }}
{{- if and $v.grafana.enabled $v.grafana.ingress.enabled (not $v.grafana.ingress.host) }}
{{- fail "monitoring: grafana.ingress.enabled is true: set grafana.ingress.host, e.g. grafana.example.com" }}
{{- end }}
{{- if and (or $v.grafana.enabled $v.grafanaSidecar.datasource) (not $v.prometheus.enabled) (not $v.datasource.url) }}
{{- fail "monitoring: the Grafana datasource has no Prometheus: turn on prometheus.enabled, or set datasource.url to your Prometheus (e.g. http://kube-prometheus-stack-prometheus.monitoring:9090)" }}
{{- end }}
{{- $alerts := $v.alerts }}
{{- include "monitoring.checkShare" (dict "key" "alerts.agentErrors.thresholdRatio" "value" $alerts.agentErrors.thresholdRatio "of" "an agent's invocations" "range" "[0, 1)" "example" 0.05) }}
{{- include "monitoring.checkShare" (dict "key" "alerts.pipeline.queueFillRatio" "value" $alerts.pipeline.queueFillRatio "of" "a queue's capacity" "range" "[0, 1)" "example" 0.8) }}
{{- include "monitoring.checkShare" (dict "key" "alerts.pipeline.queueGrowingRatio" "value" $alerts.pipeline.queueGrowingRatio "of" "a queue's capacity" "range" "[0, 1)" "example" 0.1) }}
{{- /* Bad Alertmanager addresses are refused whether or not the embedded Prometheus runs. */}}
{{- $_ := include "monitoring.alertmanagers" . }}
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
{{- fail (printf "monitoring: %s: unknown keys %v; an entry has %v" $list $unknown (last $spec)) }}
{{- end }}
{{- end }}
{{- end }}
{{- $tenants := list }}
{{- range $v.budgets.tenants }}
{{- if not (and (kindIs "string" .tenant) .tenant) }}
{{- fail (printf "monitoring: budgets.tenants: every entry needs a tenant (the tenant_id label value), got %v" .tenant) }}
{{- end }}
{{- if not (gt (float64 .monthlyUsd) 0.0) }}
{{- fail (printf "monitoring: budgets.tenants: the monthlyUsd of tenant %q must be a number of USD above 0, got %v" .tenant .monthlyUsd) }}
{{- end }}
{{- if has .tenant $tenants }}
{{- fail (printf "monitoring: budgets.tenants lists tenant %q twice; give each tenant one monthly budget" .tenant) }}
{{- end }}
{{- $tenants = append $tenants .tenant }}
{{- end }}
{{- range $index, $level := $v.budgets.alertAt }}
{{- include "monitoring.checkShare" (dict "key" (printf "budgets.alertAt[%d].ratio" $index) "value" .ratio "of" "the monthly budget" "range" "(0, 1]" "example" 0.8) }}
{{- if not (has .severity (list "info" "warning" "critical")) }}
{{- fail (printf "monitoring: budgets.alertAt: severity must be info, warning or critical, got %v" .severity) }}
{{- end }}
{{- end }}
{{- $agents := list }}
{{- range $index, $objective := $v.objectives }}
{{- if not (kindIs "invalid" .successRatio) }}
{{- include "monitoring.checkShare" (dict "key" (printf "objectives[%d].successRatio" $index) "value" .successRatio "of" "the agent's invocations" "range" "(0, 1)" "example" 0.99) }}
{{- end }}
{{- with .latency }}
{{- include "monitoring.checkShare" (dict "key" (printf "objectives[%d].latency.ratio" $index) "value" .ratio "of" "the agent's invocations" "range" "(0, 1)" "example" 0.95) }}
{{- if not (gt (float64 .thresholdSeconds) 0.0) }}
{{- fail (printf "monitoring: objectives: latency.thresholdSeconds must be a number of seconds above 0, got %v" .thresholdSeconds) }}
{{- end }}
{{- end }}
{{- if has .agent $agents }}
{{- fail (printf "monitoring: objectives lists agent %q twice; put its successRatio and latency in one entry" .agent) }}
{{- end }}
{{- $agents = append $agents .agent }}
{{- if not (or .successRatio .latency) }}
{{- fail (printf "monitoring: objective of agent %q sets neither successRatio nor latency" .agent) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
monitoring.checkShare fails the render when a share (0.8 for 80%) is outside its
range, and names the share to set when the value reads as a percentage. `range` is "(0, 1]",
"[0, 1)" or "(0, 1)": whether 0 and 1 are allowed is what the rule that reads the share makes
of them (a budget level of 1 is the whole budget; an objective of 1 leaves no error budget; an
alert on more than 1 of anything never fires). The value is a number, or the string `--set`
makes of a decimal (the schema allows no other).
Usage: {{ include "monitoring.checkShare" (dict "key" "budgets.alertAt[0].ratio" "value" .ratio "of" "the monthly budget" "range" "(0, 1]" "example" 0.8) }}
*/}}
{{- define "monitoring.checkShare" -}}
{{- $share := float64 .value }}
{{- if not (include "monitoring.shareInRange" (dict "share" $share "range" .range)) }}
{{- $bounds := printf "%s and %s" (ternary "at least 0" "above 0" (hasPrefix "[" .range)) (ternary "at most 1" "below 1" (hasSuffix "]" .range)) }}
{{- $hint := printf ", e.g. %v for %s%%" .example (mulf .example 100 | printf "%.4g") }}
{{- if and (gt $share 1.0) (include "monitoring.shareInRange" (dict "share" (divf $share 100) "range" .range)) }}
{{- $hint = printf ": set %s for %s%%" (divf $share 100 | printf "%.4g") ($share | printf "%.4g") }}
{{- end }}
{{- fail (printf "monitoring: %s is a share of %s, %s%s (got %v)" .key .of $bounds $hint .value) }}
{{- end }}
{{- end }}

{{/*
monitoring.shareInRange is "true" when `share` (a float) lies in `range` (see
monitoring.checkShare); empty otherwise.
Usage: {{ include "monitoring.shareInRange" (dict "share" 0.8 "range" "(0, 1]") }}
*/}}
{{- define "monitoring.shareInRange" -}}
{{- $aboveLow := or (gt .share 0.0) (and (hasPrefix "[" .range) (eq .share 0.0)) }}
{{- $belowHigh := or (lt .share 1.0) (and (hasSuffix "]" .range) (eq .share 1.0)) }}
{{- if and $aboveLow $belowHigh }}true{{ end }}
{{- end }}
