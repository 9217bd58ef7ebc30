{{/*
otel-collector.workloadKind is the kind of the collector's workload: StatefulSet when the queue
is on disk and persistence.enabled (a claim per replica), Deployment otherwise (an emptyDir).
*/}}
{{- define "otel-collector.workloadKind" -}}
{{- ternary "StatefulSet" "Deployment" (and .Values.queue.persistent .Values.persistence.enabled) }}
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
otel-collector.checksums are pod annotations that change when the configuration changes, so
`helm upgrade` rolls the collector exactly when its configuration changed.
*/}}
{{- define "otel-collector.checksums" -}}
checksum/config: {{ include "otel-collector.config" . | sha256sum }}
{{- if include "otel-collector.deliveryGuardEnabled" . }}
checksum/delivery-guard: {{ include "otel-collector.deliveryGuardConfig" . | sha256sum }}
{{- end }}
{{- end }}
