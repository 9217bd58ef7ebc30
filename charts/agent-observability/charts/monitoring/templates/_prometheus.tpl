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
{{- $global := dict "scrape_interval" $v.prometheus.scrapeInterval "evaluation_interval" $v.prometheus.evaluationInterval }}
{{- with include "monitoring.prometheusExternalLabels" . | fromYaml }}
{{- $_ := set $global "external_labels" . }}
{{- end }}
{{- $config := dict
    "global" $global
    "rule_files" (list "/etc/prometheus/rules/*.yaml")
    "scrape_configs" (concat $scrapes $v.prometheus.extraScrapeConfigs) }}
{{- with include "monitoring.prometheusRemoteWrite" . | fromYamlArray }}
{{- $_ := set $config "remote_write" . }}
{{- end }}
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
{{- $alerting := dict "alertmanagers" . }}
{{- if gt (int $v.prometheus.replicas) 1 }}
{{- /* The replicas fire the same alerts; without the label that tells them apart they are one
alert to Alertmanager, which then notifies once. */}}
{{- $_ := set $alerting "alert_relabel_configs" (list (dict "action" "labeldrop" "regex" (regexQuoteMeta $v.prometheus.replicaLabel))) }}
{{- end }}
{{- $_ := set $config "alerting" $alerting }}
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

{{/*
monitoring.prometheusExternalLabels are Prometheus' global.external_labels (YAML map):
prometheus.externalLabels, and with more than one replica prometheus.replicaLabel set to the
pod's name. Prometheus v3 expands ${VAR} in external label values from its environment, where
the pod's name is POD_NAME (Prometheus v3.16.0 config/config.go Load: os.Expand over
ExternalLabels; the v2 flag --enable-feature=expand-external-labels is gone, docs/migration.md).
A literal `$` of a value is written `$$`.
*/}}
{{- define "monitoring.prometheusExternalLabels" -}}
{{- $p := .Values.prometheus }}
{{- $labels := dict }}
{{- range $name, $value := $p.externalLabels }}
{{- $_ := set $labels $name (replace "$" "$$" (toString $value)) }}
{{- end }}
{{- if gt (int $p.replicas) 1 }}
{{- $_ := set $labels $p.replicaLabel "${POD_NAME}" }}
{{- end }}
{{- toYaml $labels }}
{{- end }}

{{/*
monitoring.prometheusSecretPath is where the embedded Prometheus reads one key of a remote
write target's Secret: /etc/prometheus/secrets/<Secret>/<key>, the Secret mounted read-only.
Prometheus reads the file at each request (common v0.72.1 config/http_config.go FileSecret.Fetch),
so a rotated Secret needs no restart.
Usage: {{ include "monitoring.prometheusSecretPath" .passwordSecret }}
*/}}
{{- define "monitoring.prometheusSecretPath" -}}
{{- printf "/etc/prometheus/secrets/%s/%s" .name .key }}
{{- end }}

{{/*
monitoring.prometheusSecrets are the Secrets the remote write targets read (YAML list of
{name, keys}, sorted), one volume each in the StatefulSet.
*/}}
{{- define "monitoring.prometheusSecrets" -}}
{{- $secrets := dict }}
{{- range $target := .Values.prometheus.remoteWrite }}
{{- range $secret := list ($target.basicAuth | default dict).passwordSecret $target.bearerTokenSecret }}
{{- if and (kindIs "map" $secret) $secret.name $secret.key }}
{{- $_ := set $secrets $secret.name (append (get $secrets $secret.name | default list) (toString $secret.key) | uniq | sortAlpha) }}
{{- end }}
{{- end }}
{{- end }}
{{- $list := list }}
{{- range $name := keys $secrets | sortAlpha }}
{{- $list = append $list (dict "name" $name "keys" (get $secrets $name)) }}
{{- end }}
{{- toYaml $list }}
{{- end }}

{{/*
monitoring.prometheusRemoteWrite is Prometheus' remote_write (YAML list) from
prometheus.remoteWrite. Keys of Prometheus v3.16.0 config/config.go RemoteWriteConfig and
QueueConfig; basic_auth.password_file and authorization.credentials_file of common v0.72.1
config/http_config.go (the version Prometheus' go.mod pins); sigv4's region and role_arn of
sigv4 v0.5.0 sigv4_config.go SigV4Config, whose credentials, left out, come from AWS' default
chain: on EKS the web identity token IRSA mounts for the pod's ServiceAccount. validate.yaml
refuses what would not work (credentials as values, two authentications).
*/}}
{{- define "monitoring.prometheusRemoteWrite" -}}
{{- $queueKeys := dict "capacity" "capacity" "maxShards" "max_shards" "minShards" "min_shards"
    "maxSamplesPerSend" "max_samples_per_send" "batchSendDeadline" "batch_send_deadline"
    "minBackoff" "min_backoff" "maxBackoff" "max_backoff" "retryOnHttp429" "retry_on_http_429"
    "sampleAgeLimit" "sample_age_limit" }}
{{- $writes := list }}
{{- range $target := .Values.prometheus.remoteWrite }}
{{- $write := dict "url" $target.url }}
{{- with $target.name }}
{{- $_ := set $write "name" . }}
{{- end }}
{{- with $target.headers }}
{{- $_ := set $write "headers" . }}
{{- end }}
{{- with $target.basicAuth }}
{{- $auth := dict }}
{{- with .username }}
{{- $_ := set $auth "username" . }}
{{- end }}
{{- with .passwordSecret }}
{{- $_ := set $auth "password_file" (include "monitoring.prometheusSecretPath" .) }}
{{- end }}
{{- $_ := set $write "basic_auth" $auth }}
{{- end }}
{{- with $target.bearerTokenSecret }}
{{- $_ := set $write "authorization" (dict "type" "Bearer" "credentials_file" (include "monitoring.prometheusSecretPath" .)) }}
{{- end }}
{{- with $target.sigv4 }}
{{- $sigv4 := dict "region" .region }}
{{- with .roleArn }}
{{- $_ := set $sigv4 "role_arn" . }}
{{- end }}
{{- $_ := set $write "sigv4" $sigv4 }}
{{- end }}
{{- with $target.queueConfig }}
{{- $queue := dict }}
{{- range $key, $value := . }}
{{- $_ := set $queue (get $queueKeys $key) $value }}
{{- end }}
{{- $_ := set $write "queue_config" $queue }}
{{- end }}
{{- $writes = append $writes $write }}
{{- end }}
{{- toYaml $writes }}
{{- end }}

{{/*
monitoring.prometheusRemoteWritePorts are the TCP ports the remote write targets listen on
(YAML list, sorted, unique): each URL's port, or its scheme's (443, 80), for the NetworkPolicy.
*/}}
{{- define "monitoring.prometheusRemoteWritePorts" -}}
{{- $url := `^(https?)://(\[[^\]]*\]|[^/:?#]*)(:([0-9]+))?` }}
{{- $ports := list }}
{{- range .Values.prometheus.remoteWrite }}
{{- $address := toString .url }}
{{- if regexMatch $url $address }}
{{- $port := regexReplaceAll (printf "%s.*$" $url) $address "${4}" }}
{{- if not $port }}
{{- $port = ternary "443" "80" (hasPrefix "https:" $address) }}
{{- end }}
{{- $ports = append $ports (int $port) }}
{{- end }}
{{- end }}
{{- toYaml ($ports | uniq | sortAlpha) }}
{{- end }}
