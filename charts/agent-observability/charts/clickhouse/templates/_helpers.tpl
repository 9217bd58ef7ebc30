{{/*
clickhouse.passwordSecret is the Secret holding the password, rendered from auth.existingSecret
(validate.yaml refuses it empty).
*/}}
{{- define "clickhouse.passwordSecret" -}}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}

{{/*
clickhouse.keeperName names the Keeper's objects: "<fullname>-keeper".
*/}}
{{- define "clickhouse.keeperName" -}}
{{- printf "%s-keeper" (include "clickhouse.fullname" .) }}
{{- end }}

{{/*
clickhouse.keeperSelectorLabels select the Keeper pods. Their name label is the chart's name
with "-keeper": the servers' StatefulSet, Services and NetworkPolicy select by name and instance
alone, which the Keeper pods must not match.
*/}}
{{- define "clickhouse.keeperSelectorLabels" -}}
{{- $labels := include "clickhouse.selectorLabels" (dict "context" . "component" "keeper") | fromYaml }}
{{- $_ := set $labels "app.kubernetes.io/name" (printf "%s-keeper" (include "clickhouse.name" .)) }}
{{- toYaml $labels }}
{{- end }}

{{/*
clickhouse.keeperLabels are the recommended labels of the Keeper's resources, plus commonLabels.
*/}}
{{- define "clickhouse.keeperLabels" -}}
{{- $labels := include "clickhouse.labels" (dict "context" . "component" "keeper") | fromYaml }}
{{- toYaml (mustMergeOverwrite $labels (include "clickhouse.keeperSelectorLabels" . | fromYaml)) }}
{{- end }}

{{/*
clickhouse.serverHosts are the DNS names of the ClickHouse servers in cluster mode (YAML list,
in ordinal order), under the headless Service that governs their StatefulSet.
*/}}
{{- define "clickhouse.serverHosts" -}}
{{- include "clickhouse.statefulSetPodHosts" (dict "service" (include "clickhouse.fullname" .) "replicas" .Values.cluster.replicas "clusterDomain" .Values.cluster.clusterDomain "context" .) }}
{{- end }}

{{/*
clickhouse.keeperHosts are the DNS names of the Keeper pods (YAML list, in ordinal order).
*/}}
{{- define "clickhouse.keeperHosts" -}}
{{- include "clickhouse.statefulSetPodHosts" (dict "service" (include "clickhouse.keeperName" .) "replicas" .Values.cluster.keeper.replicas "clusterDomain" .Values.cluster.clusterDomain "context" .) }}
{{- end }}

{{/*
clickhouse.xmlSecrets are the environment variables holding secrets the server's config reads
with from_env (YAML list): the default user's password, and in cluster mode the interserver
password and the cluster's secret. from_env parses a value as XML (ClickHouse
src/Common/Config/ConfigProcessor.cpp: "<from_env>" + value + "</from_env>"), so the start
command escapes each first.
*/}}
{{- define "clickhouse.xmlSecrets" -}}
{{- $names := list "CLICKHOUSE_DEFAULT_PASSWORD" }}
{{- if .Values.cluster.enabled }}
{{- $names = concat $names (list "CLICKHOUSE_INTERSERVER_PASSWORD" "CLICKHOUSE_CLUSTER_SECRET") }}
{{- end }}
{{- toYaml $names }}
{{- end }}

{{/*
clickhouse.zoneSpread is the default topology spread of a workload's pods in cluster mode (YAML
list): over zones, with cluster.zoneSpread's rule; clickhouse.placement selects the workload's
own pods in it and spreads them over nodes, where the scheduler can (a rule would leave a smaller
cluster's pods Pending; production sets its own affinity, README, Cluster mode).
*/}}
{{- define "clickhouse.zoneSpread" -}}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: {{ .Values.cluster.zoneSpread }}
{{- end }}
