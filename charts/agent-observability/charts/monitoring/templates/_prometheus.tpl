{{/*
monitoring.prometheusConfig is the embedded Prometheus' configuration (YAML), built as
one dict. Scrape jobs (monitoring.jobs, "<namespace>/<release>-..."):
  ...-otel-collector-genai      the collector pods' GenAI metrics port (agent_*, llm_*, tool_*)
  ...-otel-collector-telemetry  the collector pods' own telemetry port (otelcol_*)
  ...-agents                    pods annotated prometheus.io/scrape: "true" (agents' own /metrics)
  prometheus                    Prometheus itself
Every collector pod is scraped on its own (Kubernetes pod discovery, not the Service), so the
dashboards' sums add up every replica's share exactly once.
*/}}
{{- define "monitoring.prometheusConfig" -}}
{{- $v := .Values }}
{{- $jobs := include "monitoring.jobs" . | fromYaml }}
{{- $collector := include "monitoring.collectorSelector" . | fromYaml }}
{{- $keep := list }}
{{- range $key, $value := $collector }}
{{- $keep = append $keep (dict "action" "keep" "source_labels" (list (printf "__meta_kubernetes_pod_label_%s" (regexReplaceAll "[^a-zA-Z0-9_]" $key "_"))) "regex" (regexQuoteMeta $value)) }}
{{- end }}
{{- $podLabels := list
  (dict "action" "drop" "source_labels" (list "__meta_kubernetes_pod_phase") "regex" "Succeeded|Failed")
  (dict "action" "replace" "source_labels" (list "__meta_kubernetes_namespace") "target_label" "namespace")
  (dict "action" "replace" "source_labels" (list "__meta_kubernetes_pod_name") "target_label" "pod")
}}
{{- $scrapes := list }}
{{- range $job, $port := include "monitoring.collectorJobs" . | fromYaml }}
{{- $scrapes = append $scrapes (dict
    "job_name" $job
    "kubernetes_sd_configs" (list (dict "role" "pod" "namespaces" (dict "names" (list $.Release.Namespace))))
    "relabel_configs" (concat $keep (list (dict "action" "keep" "source_labels" (list "__meta_kubernetes_pod_container_port_name") "regex" $port)) $podLabels)) }}
{{- end }}
{{- with $v.prometheus.annotatedPods }}
{{- if .enabled }}
{{- $discovery := dict "role" "pod" }}
{{- /* The annotated port on the pod's IP, IPv6 in brackets. */}}
{{- $portAndIp := list "__meta_kubernetes_pod_annotation_prometheus_io_port" "__meta_kubernetes_pod_ip" }}
{{- if not .allNamespaces }}
{{- $_ := set $discovery "namespaces" (dict "names" (.namespaces | default (list $.Release.Namespace))) }}
{{- end }}
{{- $scrapes = append $scrapes (dict
    "job_name" $jobs.agents
    "kubernetes_sd_configs" (list $discovery)
    "relabel_configs" (concat (list
        (dict "action" "keep" "source_labels" (list "__meta_kubernetes_pod_annotation_prometheus_io_scrape") "regex" "true")
        (dict "action" "replace" "source_labels" (list "__meta_kubernetes_pod_annotation_prometheus_io_path") "regex" "(.+)" "target_label" "__metrics_path__")
        (dict "action" "replace" "source_labels" $portAndIp "regex" "(\\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})" "replacement" "[$2]:$1" "target_label" "__address__")
        (dict "action" "replace" "source_labels" $portAndIp "regex" "(\\d+);((([0-9]+?)(\\.|$)){4})" "replacement" "$2:$1" "target_label" "__address__"))
      $podLabels)) }}
{{- end }}
{{- end }}
{{- $scrapes = append $scrapes (dict "job_name" "prometheus" "static_configs" (list (dict "targets" (list "localhost:9090")))) }}
{{- $config := dict
    "global" (dict "scrape_interval" $v.prometheus.scrapeInterval "evaluation_interval" $v.prometheus.evaluationInterval)
    "rule_files" (list "/etc/prometheus/rules/*.yaml")
    "scrape_configs" (concat $scrapes $v.prometheus.extraScrapeConfigs) }}
{{- $alertmanagers := include "monitoring.alertmanagers" . | fromYamlArray }}
{{- if include "monitoring.alertmanagerEnabled" . }}
{{- /* The embedded Alertmanager: every replica by its own name, since Prometheus must send
each alert to all of them (Prometheus v3.16.0 config/config.go AlertmanagerConfig; api_version
v2 by default). */}}
{{- $peers := list }}
{{- range include "monitoring.alertmanagerPeers" . | fromYamlArray }}
{{- $peers = append $peers (printf "%s:%s" . (include "monitoring.alertmanagerWebPort" $)) }}
{{- end }}
{{- $alertmanagers = prepend $alertmanagers (dict "scheme" "http" "static_configs" (list (dict "targets" $peers))) }}
{{- end }}
{{- with $alertmanagers }}
{{- $_ := set $config "alerting" (dict "alertmanagers" .) }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/*
monitoring.alertmanagers is Prometheus' alerting.alertmanagers (YAML list) from
prometheus.alertmanagers, whose entries are host:port (as Prometheus takes them) or http(s)
URLs, as Alertmanagers are usually written: a URL's scheme and path become the `scheme` and
`path_prefix` of an entry of their own, its host and port the target (without a port,
Prometheus adds the scheme's). An entry that is neither is left out here; validate.yaml refuses
it, as Prometheus would (a target with a `/` or a scheme it does not speak).
*/}}
{{- define "monitoring.alertmanagers" -}}
{{- $groups := dict }}
{{- range $entry := .Values.prometheus.alertmanagers }}
{{- with include "monitoring.alertmanagerAddress" $entry | fromYaml }}
{{- $prefix := regexReplaceAll "/+$" .prefix "" }}
{{- $key := printf "%s %s" .scheme $prefix }}
{{- if not (hasKey $groups $key) }}
{{- $config := dict "scheme" .scheme "static_configs" (list (dict "targets" list)) }}
{{- with $prefix }}
{{- $_ := set $config "path_prefix" . }}
{{- end }}
{{- $_ := set $groups $key $config }}
{{- end }}
{{- $static := first (get $groups $key).static_configs }}
{{- $_ := set $static "targets" (append $static.targets .target) }}
{{- end }}
{{- end }}
{{- $alertmanagers := list }}
{{- range $key := keys $groups | sortAlpha }}
{{- $alertmanagers = append $alertmanagers (get $groups $key) }}
{{- end }}
{{- toYaml $alertmanagers }}
{{- end }}

{{/*
monitoring.alertmanagerAddress parses one entry of prometheus.alertmanagers, host:port or an
http(s) URL, into {scheme, target, prefix} (YAML; scheme http for host:port, prefix the URL's
path); empty when it is neither, or its port is above 65535.
Usage: {{ include "monitoring.alertmanagerAddress" "https://alertmanager.example.com/tenant-a" }}
*/}}
{{- define "monitoring.alertmanagerAddress" -}}
{{- $hostPort := `(?:[A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?` }}
{{- $url := printf `^(?P<scheme>https?)://(?P<target>%s)(?P<prefix>/[^\s?#]*)?$` $hostPort }}
{{- $address := toString . }}
{{- $parsed := dict "scheme" "http" "target" $address "prefix" "" }}
{{- if regexMatch $url $address }}
{{- range $part := list "scheme" "target" "prefix" }}
{{- $_ := set $parsed $part (regexReplaceAll $url $address (printf "${%s}" $part)) }}
{{- end }}
{{- end }}
{{- $port := regexFind ":[0-9]+$" $parsed.target | trimPrefix ":" }}
{{- if and (regexMatch (printf "^%s$" $hostPort) $parsed.target) (or (not $port) (le (atoi $port) 65535)) }}
{{- toYaml $parsed }}
{{- end }}
{{- end }}
