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
{{- include "monitoring.prometheusQueryUrl" (dict "url" .Values.datasource.url "service" (include "monitoring.componentName" (dict "context" . "component" "prometheus")) "port" .Values.prometheus.service.port "context" .) }}
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
monitoring.levelsProblem is the message refusing budget levels (validate.yaml fails with it):
levels that are not shares of a budget above 0 (1 is the whole budget, 1.2 a fifth over it; 80
reads as a percentage) with a known severity, or two levels that are the same (their alerts
would be one); the first problem found, empty when there is none.
Usage: {{ include "monitoring.levelsProblem" (dict "key" "budgets.alertAt" "levels" .Values.budgets.alertAt) }}
*/}}
{{- define "monitoring.levelsProblem" -}}
{{- $problems := list }}
{{- $ratios := list }}
{{- range $index, $level := .levels }}
{{- $ratio := float64 .ratio }}
{{- if or (le $ratio 0.0) (gt $ratio 10.0) }}
{{- $hint := ternary (printf ": set %s for %s%%" (divf $ratio 100 | printf "%.4g") ($ratio | printf "%.4g")) ", e.g. 0.8 for 80%" (gt $ratio 10.0) }}
{{- $problems = append $problems (printf "monitoring: %s[%d].ratio is a share of the monthly budget, above 0 (1 is the whole budget)%s (got %v)" $.key $index $hint .ratio) }}
{{- end }}
{{- if not (has .severity (list "info" "warning" "critical")) }}
{{- $problems = append $problems (printf "monitoring: %s: severity must be info, warning or critical, got %v" $.key .severity) }}
{{- end }}
{{- if has $ratio $ratios }}
{{- $problems = append $problems (printf "monitoring: %s lists the level %v twice" $.key .ratio) }}
{{- end }}
{{- $ratios = append $ratios $ratio }}
{{- end }}
{{- with $problems }}{{ first . }}{{ end }}
{{- end }}

{{/*
monitoring.shareProblem is the message refusing a share (0.8 for 80%) outside its range
(validate.yaml fails with it), naming the share to set when the value reads as a percentage;
empty when the share is in range. `range` is "(0, 1]", "[0, 1)" or "(0, 1)": whether 0 and 1
are allowed is what the rule that reads the share makes of them (a budget level of 1 is the
whole budget; an objective of 1 leaves no error budget; an alert on more than 1 of anything
never fires). The value is a number, or the string `--set` makes of a decimal (the schema
allows no other).
Usage: {{ include "monitoring.shareProblem" (dict "key" "budgets.alertAt[0].ratio" "value" .ratio "of" "the monthly budget" "range" "(0, 1]" "example" 0.8) }}
*/}}
{{- define "monitoring.shareProblem" -}}
{{- $share := float64 .value }}
{{- if not (include "monitoring.shareInRange" (dict "share" $share "range" .range)) }}
{{- $bounds := printf "%s and %s" (ternary "at least 0" "above 0" (hasPrefix "[" .range)) (ternary "at most 1" "below 1" (hasSuffix "]" .range)) }}
{{- $hint := printf ", e.g. %v for %s%%" .example (mulf .example 100 | printf "%.4g") }}
{{- if and (gt $share 1.0) (include "monitoring.shareInRange" (dict "share" (divf $share 100) "range" .range)) }}
{{- $hint = printf ": set %s for %s%%" (divf $share 100 | printf "%.4g") ($share | printf "%.4g") }}
{{- end }}
{{- printf "monitoring: %s is a share of %s, %s%s (got %v)" .key .of $bounds $hint .value }}
{{- end }}
{{- end }}

{{/*
monitoring.shareInRange is "true" when `share` (a float) lies in `range` (see
monitoring.shareProblem); empty otherwise.
Usage: {{ include "monitoring.shareInRange" (dict "share" 0.8 "range" "(0, 1]") }}
*/}}
{{- define "monitoring.shareInRange" -}}
{{- $aboveLow := or (gt .share 0.0) (and (hasPrefix "[" .range) (eq .share 0.0)) }}
{{- $belowHigh := or (lt .share 1.0) (and (hasSuffix "]" .range) (eq .share 1.0)) }}
{{- if and $aboveLow $belowHigh }}true{{ end }}
{{- end }}

{{/*
monitoring.durationSeconds is a Prometheus duration (30s, 1m, 1m30s, 500ms: units y, w, d, h, m,
s, ms, largest first, or 0, as ParseDuration reads them in github.com/prometheus/common v0.72.1
model/time.go, the version Prometheus v3.16.0 builds with) in seconds; empty for anything else,
an empty string included.
Usage: {{ include "monitoring.durationSeconds" "1m30s" }}
*/}}
{{- define "monitoring.durationSeconds" -}}
{{- $duration := toString . }}
{{- if eq $duration "0" }}0
{{- else if regexMatch `^([0-9]+(ms|s|m|h|d|w|y))+$` $duration }}
{{- $unitSeconds := dict "ms" 0.001 "s" 1 "m" 60 "h" 3600 "d" 86400 "w" 604800 "y" 31536000 }}
{{- $seconds := 0.0 }}
{{- range $part := regexFindAll `[0-9]+(ms|s|m|h|d|w|y)` $duration -1 }}
{{- $unit := regexReplaceAll `^[0-9]+` $part "" }}
{{- $seconds = addf $seconds (mulf (regexReplaceAll `[a-z]+$` $part "" | float64) (get $unitSeconds $unit)) }}
{{- end }}
{{- $seconds }}
{{- end }}
{{- end }}

{{/*
monitoring.grafanaRoleAttributePath is the JMESPath Grafana maps a user's role with
(role_attribute_path, [auth.generic_oauth] in conf/defaults.ini): grafana.genericOAuth's own
roleAttributePath, or one built from its groups, e.g.
`contains(groups[*], 'obs-admins') && 'Admin' || contains(groups[*], 'obs-editors') && 'Editor' || 'Viewer'`
(without the last alternative when viewersOnlyFromGroups is set: role_attribute_strict then
refuses the users it gives no role).
*/}}
{{- define "monitoring.grafanaRoleAttributePath" -}}
{{- $oauth := .Values.grafana.genericOAuth }}
{{- if $oauth.roleAttributePath }}
{{- $oauth.roleAttributePath }}
{{- else }}
{{- $alternatives := list }}
{{- range $pair := list (list "Admin" $oauth.adminGroups) (list "Editor" $oauth.editorGroups) }}
{{- $tests := list }}
{{- range index $pair 1 }}
{{- $tests = append $tests (printf "contains(%s[*], '%s')" $oauth.groupsClaim .) }}
{{- end }}
{{- if $tests }}
{{- $test := join " || " $tests }}
{{- if gt (len $tests) 1 }}
{{- $test = printf "(%s)" $test }}
{{- end }}
{{- $alternatives = append $alternatives (printf "%s && '%s'" $test (index $pair 0)) }}
{{- end }}
{{- end }}
{{- if not $oauth.viewersOnlyFromGroups }}
{{- $alternatives = append $alternatives "'Viewer'" }}
{{- end }}
{{- join " || " $alternatives }}
{{- end }}
{{- end }}

{{/*
monitoring.urlPort is the TCP port of a URL: its own, or its scheme's (443 for https, else 80).
Usage: {{ include "monitoring.urlPort" "https://idp.example.com:8443/token" }}
*/}}
{{- define "monitoring.urlPort" -}}
{{- $url := urlParse . }}
{{- (splitList ":" $url.host | rest | first) | default (ternary "443" "80" (eq $url.scheme "https")) | int }}
{{- end }}
