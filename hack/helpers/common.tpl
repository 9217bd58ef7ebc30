{{/*
CHART.name is the chart name, or nameOverride.
*/}}
{{- define "CHART.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
CHART.fullname is the name of this chart's resources: "<release>-<chart>", at most 63
characters. Inside agent-observability it is always "<release>-<chart>" (the umbrella refuses
the overrides), which is how the other components find them.
*/}}
{{- define "CHART.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
CHART.chart is the chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "CHART.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
CHART.selectorLabels are the immutable labels that select a component's pods.
Usage: {{ include "CHART.selectorLabels" (dict "context" . "component" "web") }}
*/}}
{{- define "CHART.selectorLabels" -}}
app.kubernetes.io/name: {{ include "CHART.name" .context | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
CHART.labels are the recommended labels of every resource, plus commonLabels.
Usage: {{ include "CHART.labels" (dict "context" . "component" "web") }}
*/}}
{{- define "CHART.labels" -}}
{{ include "CHART.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: agent-observability
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
helm.sh/chart: {{ include "CHART.chart" .context }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
CHART.serviceAccountName is the ServiceAccount this chart's pods run as.
*/}}
{{- define "CHART.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "CHART.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
CHART.tpl renders a value that may contain template expressions (fields marked "Template" in
values.yaml), in this chart's context.
Usage: {{ include "CHART.tpl" (dict "value" .Values.someHost "context" $) }}
*/}}
{{- define "CHART.tpl" -}}
{{- tpl (toString .value) .context }}
{{- end }}

{{/*
CHART.networkPolicyEnabled is "true" when this chart's NetworkPolicies are on, by its own
networkPolicy.enabled or the parent's global.networkPolicy.enabled; empty otherwise.
*/}}
{{- define "CHART.networkPolicyEnabled" -}}
{{- if or .Values.networkPolicy.enabled (dig "networkPolicy" "enabled" false (.Values.global | default dict)) }}true{{ end }}
{{- end }}

{{/*
CHART.imageReference is "<registry>/<path>:<tag>" of one image of this chart; the tag defaults
to the chart's appVersion. global.imageRegistry, when set, replaces the registry the repository
names (docker.io, quay.io, ...) and keeps its path, so one setting moves every image of a
release to a private registry: docker.io/langfuse/langfuse becomes <registry>/langfuse/langfuse.
Usage: {{ include "CHART.imageReference" (dict "image" .Values.image "context" $) }}
*/}}
{{- define "CHART.imageReference" -}}
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
CHART.imagePullSecrets is the imagePullSecrets field of a pod: imagePullSecrets and
global.imagePullSecrets; nothing when both are empty.
Usage: {{ include "CHART.imagePullSecrets" . }}
*/}}
{{- define "CHART.imagePullSecrets" -}}
{{- $secrets := concat (.Values.imagePullSecrets | default list) (dig "imagePullSecrets" list (.Values.global | default dict)) | uniq }}
{{- with $secrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
CHART.policyTenants are the tenants' policies (YAML list): global.tenants, declared once in
agent-observability for every chart that reads them (the collector their names, monitoring the
rest), or this chart's own global.tenants when it is installed alone.
*/}}
{{- define "CHART.policyTenants" -}}
{{- toYaml (dig "tenants" list (.Values.global | default dict)) }}
{{- end }}

{{/*
CHART.sentinelHosts are the DNS names of the bundled Valkey's pods (YAML list, in ordinal
order): <service>-<ordinal>.<service>-headless.<namespace>.svc.<clusterDomain>, the StatefulSet
named like its Service. The valkey chart announces them, LangFuse connects to their Sentinels,
and agent-observability names them when it refuses a setting LangFuse cannot see.
Usage: {{ include "CHART.sentinelHosts" (dict "service" "obs-valkey" "replicas" 3 "clusterDomain" "cluster.local" "context" .) }}
*/}}
{{- define "CHART.sentinelHosts" -}}
{{- include "CHART.statefulSetPodHosts" . }}
{{- end }}

{{/*
CHART.statefulSetPodHosts are the DNS names of a StatefulSet's pods (YAML list, in ordinal order):
<service>-<ordinal>.<service>-headless.<namespace>.svc.<clusterDomain>, for a StatefulSet named
like its Service and governed by "<service>-headless". The bundled Valkey's Sentinels, the
ClickHouse replicas of remote_servers and the Keeper nodes all follow it.
Usage: {{ include "CHART.statefulSetPodHosts" (dict "service" "obs-clickhouse" "replicas" 3 "clusterDomain" "cluster.local" "context" .) }}
*/}}
{{- define "CHART.statefulSetPodHosts" -}}
{{- $hosts := list }}
{{- range $ordinal := until (int .replicas) }}
{{- $hosts = append $hosts (printf "%s-%d.%s-headless.%s.svc.%s" $.service $ordinal $.service $.context.Release.Namespace $.clusterDomain) }}
{{- end }}
{{- toYaml $hosts }}
{{- end }}

{{/*
CHART.placement is where a component's pods may run: the pod spec's affinity and
topologySpreadConstraints. The affinity is the user's, or, when `spread` is true, a preferred
anti-affinity that spreads the replicas over nodes. Each topology spread constraint is the
user's; one that names no labelSelector selects the component's own pods, since a constraint
without one counts no pods and spreads nothing, and the chart's labels are not the user's to
guess (values files can write `topologyKey: topology.kubernetes.io/zone` and stop there).
`selector` (YAML map), when given, names the pods instead of the component's selector labels.
Usage: {{ include "CHART.placement" (dict "context" $ "component" "web" "affinity" .affinity "topologySpreadConstraints" .topologySpreadConstraints "spread" true) }}
*/}}
{{- define "CHART.placement" -}}
{{- $selector := .selector | default (include "CHART.selectorLabels" (dict "context" .context "component" .component)) | fromYaml }}
{{- $placement := dict }}
{{- if .affinity }}
{{- $_ := set $placement "affinity" .affinity }}
{{- else if .spread }}
{{- $_ := set $placement "affinity" (dict "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list
    (dict "weight" 100 "podAffinityTerm" (dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" $selector)))))) }}
{{- end }}
{{- $constraints := list }}
{{- range .topologySpreadConstraints }}
{{- $constraints = append $constraints (ternary . (merge (dict "labelSelector" (dict "matchLabels" $selector)) .) (hasKey . "labelSelector")) }}
{{- end }}
{{- with $constraints }}
{{- $_ := set $placement "topologySpreadConstraints" . }}
{{- end }}
{{- with $placement }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
CHART.cloudnativepgService is the name of a Service CloudNativePG makes for a Cluster: "rw"
(the primary, read-write), "ro" (the standbys) or "r" (any instance), each
"<cluster>-<role>" on port 5432 (CloudNativePG v1.30.0 api/v1/cluster_types.go
ServiceReadWriteSuffix and its siblings, pkg/specs/services.go). The postgres chart names its
Cluster, LangFuse connects to the read-write one, and agent-observability names it in its
checks.
Usage: {{ include "CHART.cloudnativepgService" (dict "cluster" "obs-postgres" "role" "rw") }}
*/}}
{{- define "CHART.cloudnativepgService" -}}
{{- printf "%s-%s" .cluster .role }}
{{- end }}

{{/*
CHART.extraEgress are the egress rules the user adds to every NetworkPolicy of this chart
(YAML list of NetworkPolicyEgressRule, empty without any): networkPolicy.extraEgressPorts, TCP
ports open to any destination, and networkPolicy.extraEgress, rules of the user's with peers
(rendered as a template). The same two settings in every chart, for what the chart cannot know:
a proxy, a mirror, a tracing backend added through extra configuration.
Usage: {{ include "CHART.extraEgress" . | fromYamlArray }}
*/}}
{{- define "CHART.extraEgress" -}}
{{- $rules := list }}
{{- $policy := .Values.networkPolicy | default dict }}
{{- with $policy.extraEgressPorts }}
{{- $ports := list }}
{{- range . | uniq }}
{{- $ports = append $ports (dict "port" (int .) "protocol" "TCP") }}
{{- end }}
{{- $rules = append $rules (dict "ports" $ports) }}
{{- end }}
{{- with $policy.extraEgress }}
{{- $rules = concat $rules (tpl (toYaml .) $ | fromYamlArray) }}
{{- end }}
{{- toYaml $rules }}
{{- end }}

{{/*
CHART.smtp is the release's mail server (YAML map, empty while global.smtp.host is empty):
global.smtp, declared once in agent-observability for every chart that sends mail (LangFuse's
invitations and password resets, Alertmanager's e-mail receivers), or this chart's own
global.smtp when it is installed alone. Defaults filled in: port 587, tls starttls, passwordKey
password; existingSecret rendered as a template. tls is how the connection is secured:
starttls (plain connection upgraded with STARTTLS, which must be offered), tls (TLS from the
first byte, "SMTPS", usually port 465) or none.
*/}}
{{- define "CHART.smtp" -}}
{{- $smtp := dig "smtp" dict (.Values.global | default dict) }}
{{- if $smtp.host }}
{{- toYaml (dict
    "host" (toString $smtp.host)
    "port" (int ($smtp.port | default 587))
    "tls" ($smtp.tls | default "starttls")
    "username" (toString ($smtp.username | default ""))
    "existingSecret" (tpl (toString ($smtp.existingSecret | default "")) .)
    "passwordKey" ($smtp.passwordKey | default "password")
    "from" (toString ($smtp.from | default ""))) }}
{{- end }}
{{- end }}

{{/*
CHART.clickhouseClusterName is the name of the ClickHouse cluster LangFuse runs on: the cluster
the clickhouse chart's remote_servers defines in cluster mode, and LangFuse's
CLICKHOUSE_CLUSTER_NAME. It cannot be another: LangFuse's clustered migrations write it into
their statements (packages/shared/clickhouse/migrations/clustered/*.sql at v4.16.0, `ON CLUSTER
default`), while its migration script and queries take the name from CLICKHOUSE_CLUSTER_NAME
(packages/shared/clickhouse/scripts/up.sh, x-cluster-name; server/clickhouse/queryTracking.ts,
clusterAllReplicas), so both must say `default`.
*/}}
{{- define "CHART.clickhouseClusterName" -}}
default
{{- end }}

{{/*
CHART.prometheusQueryUrl is the URL of the Prometheus the monitoring chart's rules run on and its
datasource queries: `url` (the monitoring chart's datasource.url, a template) when set, else its
embedded Prometheus' Service, http://<service>.<namespace>.svc:<port>. The monitoring chart's
datasource and agent-observability's worker scaler (KEDA) both read it here.
Usage: {{ include "CHART.prometheusQueryUrl" (dict "url" .Values.datasource.url "service" "obs-prometheus" "port" 9090 "context" .) }}
*/}}
{{- define "CHART.prometheusQueryUrl" -}}
{{- with .url }}
{{- tpl (toString .) $.context }}
{{- else }}
{{- printf "http://%s.%s.svc:%v" .service .context.Release.Namespace .port }}
{{- end }}
{{- end }}
