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
{{- with $v.budgets.tenants }}
{{- $moved := list }}
{{- range . }}
{{- $moved = append $moved (printf "{name: %v, monthlyBudgetUsd: %v}" (.tenant | default "?") (.monthlyUsd | default "?")) }}
{{- end }}
{{- fail (printf "monitoring: budgets.tenants is replaced by global.tenants, one entry per tenant with its whole policy (budget, alert levels, allowed models, rate limits): move the budgets there as global.tenants: [%s] and remove budgets.tenants (README, Tenant policies)" (join ", " $moved)) }}
{{- end }}
{{- $entries := dict "budgets.alertAt" (list $v.budgets.alertAt (list "ratio" "severity")) "objectives" (list $v.objectives (list "agent" "successRatio" "latency")) }}
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
{{- include "monitoring.checkLevels" (dict "key" "budgets.alertAt" "levels" $v.budgets.alertAt) }}
{{- $infra := $v.budgets.infrastructure }}
{{- $fixed := eq $infra.allocation "fixed" }}
{{- $charged := gt (float64 $infra.monthlyCostUsd) 0.0 }}
{{- $names := list }}
{{- $shares := 0.0 }}
{{- range $index, $tenant := include "monitoring.policyTenants" . | fromYamlArray }}
{{- $key := printf "global.tenants[%d]" $index }}
{{- if not (and (kindIs "string" .name) .name) }}
{{- fail (printf "monitoring: %s needs a name: the tenant.id its agents send (the tenant_id label value), got %v" $key .name) }}
{{- end }}
{{- if eq .name "other" }}
{{- fail (printf "monitoring: %s is named \"other\", the tenant_id the collector gives every tenant otel-collector.metrics.tenants does not list: name the tenant as its agents send it" $key) }}
{{- end }}
{{- if has .name $names }}
{{- fail (printf "monitoring: global.tenants lists tenant %q twice: give each tenant one entry with its whole policy" .name) }}
{{- end }}
{{- $names = append $names .name }}
{{- if not (kindIs "invalid" .monthlyBudgetUsd) }}
{{- if not (gt (float64 .monthlyBudgetUsd) 0.0) }}
{{- fail (printf "monitoring: %s (%s): monthlyBudgetUsd must be a number of USD above 0, got %v" $key .name .monthlyBudgetUsd) }}
{{- end }}
{{- end }}
{{- with .alertAt }}
{{- if not $tenant.monthlyBudgetUsd }}
{{- fail (printf "monitoring: %s (%s) has alertAt but no monthlyBudgetUsd for its levels to be shares of: set monthlyBudgetUsd, or remove alertAt" $key $tenant.name) }}
{{- end }}
{{- include "monitoring.checkLevels" (dict "key" (printf "%s.alertAt" $key) "levels" .) }}
{{- end }}
{{- range $model := .allowedModels }}
{{- /* Prometheus matches label values with Go's RE2 regexp, as mustRegexMatch compiles them:
  a regex Go refuses fails here, naming itself. */}}
{{- $_ := mustRegexMatch (printf "^(?:%s)$" $model) "" }}
{{- end }}
{{- range $limit, $value := .rateLimits | default dict }}
{{- if not (gt (float64 $value) 0.0) }}
{{- fail (printf "monitoring: %s (%s): rateLimits.%s must be above 0, got %v" $key $tenant.name $limit $value) }}
{{- end }}
{{- end }}
{{- if not (kindIs "invalid" .infrastructureShare) }}
{{- if not $fixed }}
{{- fail (printf "monitoring: %s (%s) has an infrastructureShare, which only budgets.infrastructure.allocation: fixed reads (it is %s): set allocation: fixed and a share for every tenant, or remove infrastructureShare" $key .name $infra.allocation) }}
{{- end }}
{{- include "monitoring.checkShare" (dict "key" (printf "%s.infrastructureShare" $key) "value" .infrastructureShare "of" "the infrastructure cost" "range" "[0, 1]" "example" 0.3) }}
{{- $shares = addf $shares (float64 .infrastructureShare) }}
{{- end }}
{{- end }}
{{- if and $charged (ne $infra.allocation "proportional") (not $names) }}
{{- fail (printf "monitoring: budgets.infrastructure.allocation is %s, which shares the cost among the tenants of global.tenants, and it lists none: declare the tenants, or allocate proportional" $infra.allocation) }}
{{- end }}
{{- if and $charged $fixed (or (gt $shares 1.000001) (lt $shares 0.999999)) }}
{{- fail (printf "monitoring: budgets.infrastructure.allocation is fixed, and the tenants' infrastructureShare values sum to %v, not 1: give every tenant of global.tenants its share so that all of the cost is allocated (0.3 for 30%%)" $shares) }}
{{- end }}
{{- include "monitoring.checkShare" (dict "key" "alerts.tenantRateLimits.warningRatio" "value" $v.alerts.tenantRateLimits.warningRatio "of" "a tenant's rate limit" "range" "(0, 1)" "example" 0.9) }}
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
monitoring.checkLevels fails the render when budget levels are not shares of a budget above 0
(1 is the whole budget, 1.2 a fifth over it; 80 reads as a percentage) with a known severity, or
when two levels are the same (their alerts would be one).
Usage: {{ include "monitoring.checkLevels" (dict "key" "budgets.alertAt" "levels" .Values.budgets.alertAt) }}
*/}}
{{- define "monitoring.checkLevels" -}}
{{- $ratios := list }}
{{- range $index, $level := .levels }}
{{- $ratio := float64 .ratio }}
{{- if or (le $ratio 0.0) (gt $ratio 10.0) }}
{{- $hint := ternary (printf ": set %s for %s%%" (divf $ratio 100 | printf "%.4g") ($ratio | printf "%.4g")) ", e.g. 0.8 for 80%" (gt $ratio 10.0) }}
{{- fail (printf "monitoring: %s[%d].ratio is a share of the monthly budget, above 0 (1 is the whole budget)%s (got %v)" $.key $index $hint .ratio) }}
{{- end }}
{{- if not (has .severity (list "info" "warning" "critical")) }}
{{- fail (printf "monitoring: %s: severity must be info, warning or critical, got %v" $.key .severity) }}
{{- end }}
{{- if has $ratio $ratios }}
{{- fail (printf "monitoring: %s lists the level %v twice" $.key .ratio) }}
{{- end }}
{{- $ratios = append $ratios $ratio }}
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
