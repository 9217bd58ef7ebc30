{{/*
otel-collector.name is the chart name, or nameOverride.
*/}}
{{- define "otel-collector.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
otel-collector.fullname is the name of this chart's resources: "<release>-<chart>", at most 63
characters. The release name is always included, so the parent chart can derive the names
of its subcharts' resources without calling their helpers.
*/}}
{{- define "otel-collector.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
otel-collector.chart is the chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "otel-collector.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
otel-collector.selectorLabels are the immutable labels that select a component's pods.
Usage: {{ include "otel-collector.selectorLabels" (dict "context" . "component" "web") }}
*/}}
{{- define "otel-collector.selectorLabels" -}}
app.kubernetes.io/name: {{ include "otel-collector.name" .context | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
otel-collector.labels are the recommended labels of every resource, plus commonLabels.
Usage: {{ include "otel-collector.labels" (dict "context" . "component" "web") }}
*/}}
{{- define "otel-collector.labels" -}}
{{ include "otel-collector.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: agent-observability
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
helm.sh/chart: {{ include "otel-collector.chart" .context }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
otel-collector.workloadKind is the kind of the collector's workload: StatefulSet when the queue
is on disk and persistence.enabled (a claim per replica), Deployment otherwise (an emptyDir).
*/}}
{{- define "otel-collector.workloadKind" -}}
{{- ternary "StatefulSet" "Deployment" (and .Values.queue.persistent .Values.persistence.enabled) }}
{{- end }}

{{/*
otel-collector.serviceAccountName is the ServiceAccount this chart's pods run as.
*/}}
{{- define "otel-collector.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "otel-collector.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
otel-collector.tpl renders a value that may contain template expressions (fields marked
"Template" in values.yaml), in this chart's context.
Usage: {{ include "otel-collector.tpl" (dict "value" .Values.langfuse.endpoint "context" $) }}
*/}}
{{- define "otel-collector.tpl" -}}
{{- tpl (toString .value) .context }}
{{- end }}

{{/*
otel-collector.image is the reference of the collector image; the tag defaults to appVersion.
*/}}
{{- define "otel-collector.image" -}}
{{- include "otel-collector.imageReference" (dict "image" .Values.image "context" .) }}
{{- end }}

{{/*
otel-collector.podSecurityContext runs the collector as the image's non-root user (10001);
fsGroup makes the queue volume writable for it.
*/}}
{{- define "otel-collector.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
otel-collector.containerSecurityContext meets Pod Security "restricted" with a read-only
root filesystem; the collector writes only to its queue volume.
*/}}
{{- define "otel-collector.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/*
otel-collector.goMemLimit is GOMEMLIMIT for the container: 80% of its memory limit, so Go's
garbage collector works harder before the kernel would kill the process; empty without a
memory limit.
*/}}
{{- define "otel-collector.goMemLimit" -}}
{{- with dig "limits" "memory" "" .Values.resources }}
{{- printf "%dMiB" (div (mul (include "otel-collector.quantityBytes" . | int64) 8) 10485760) }}
{{- end }}
{{- end }}

{{/*
otel-collector.quantityBytes is a Kubernetes quantity of bytes (`2Gi`, `1.5G`, `500M`,
`134217728`) as an integer number of bytes.
Usage: {{ include "otel-collector.quantityBytes" "2Gi" }}
*/}}
{{- define "otel-collector.quantityBytes" -}}
{{- $quantity := toString . }}
{{- $factors := dict "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976
    "k" 1000 "K" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "P" 1000000000000000 "E" 1000000000000000000 }}
{{- $unit := regexFind "([KMGTPE]i|[kKMGTPE])$" $quantity }}
{{- if $unit }}
{{- printf "%.0f" (mulf (trimSuffix $unit $quantity | float64) (get $factors $unit)) }}
{{- else }}
{{- printf "%.0f" ($quantity | float64) }}
{{- end }}
{{- end }}

{{/*
otel-collector.urlPort is the TCP port of an endpoint: a URL (explicit port, else 80 for
http and 443 for https) or host:port (gRPC).
Usage: {{ include "otel-collector.urlPort" "https://api.smith.langchain.com/otel" }}
*/}}
{{- define "otel-collector.urlPort" -}}
{{- $endpoint := toString . }}
{{- if contains "://" $endpoint }}
{{- $url := urlParse $endpoint }}
{{- $port := regexFind ":[0-9]+$" $url.host | trimPrefix ":" }}
{{- default (ternary "443" "80" (eq $url.scheme "https")) $port }}
{{- else }}
{{- default "443" (regexFind ":[0-9]+$" $endpoint | trimPrefix ":") }}
{{- end }}
{{- end }}

{{/*
otel-collector.networkPolicyEnabled is "true" when this chart's NetworkPolicy is on, by its
own networkPolicy.enabled or the parent's global.networkPolicy.enabled; empty otherwise.
*/}}
{{- define "otel-collector.networkPolicyEnabled" -}}
{{- if or .Values.networkPolicy.enabled (dig "networkPolicy" "enabled" false (.Values.global | default dict)) }}true{{ end }}
{{- end }}

{{/*
otel-collector.checksums are pod annotations that change when the configuration changes, so
`helm upgrade` rolls the collector exactly when its configuration changed.
*/}}
{{- define "otel-collector.checksums" -}}
checksum/config: {{ include "otel-collector.config" . | sha256sum }}
{{- if include "otel-collector.deliveryGuardEnabled" . }}
checksum/delivery-guard: {{ include "otel-collector.deliveryGuardConfig" . | sha256sum }}
{{- end }}
{{- end }}

{{/*
otel-collector.imageReference is "<registry>/<path>:<tag>" of one image of this chart;
the tag defaults to the chart's appVersion. global.imageRegistry, when set, replaces the registry the repository
names (docker.io, quay.io, ...) and keeps its path, so one setting moves every image of a
release to a private registry: docker.io/langfuse/langfuse becomes <registry>/langfuse/langfuse.
Usage: {{ include "otel-collector.imageReference" (dict "image" .Values.image "context" $) }}
*/}}
{{- define "otel-collector.imageReference" -}}
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
otel-collector.imagePullSecrets is the imagePullSecrets field of a pod: imagePullSecrets and
global.imagePullSecrets; nothing when both are empty.
Usage: {{ include "otel-collector.imagePullSecrets" . }}
*/}}
{{- define "otel-collector.imagePullSecrets" -}}
{{- $secrets := concat (.Values.imagePullSecrets | default list) (dig "imagePullSecrets" list (.Values.global | default dict)) | uniq }}
{{- with $secrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
