{{/*
The delivery guard: HAProxy in the collector's pod, on 127.0.0.1 only, between the LangFuse
exporter and LangFuse. The otlphttp exporter (v0.142.0, exporter/otlphttpexporter/otlp.go,
isRetryableStatusCode) retries only 429, 502, 503 and 504 and drops the batch on any other
status, and no exporter setting changes that. The guard passes 2xx, those four and
deliveryGuard.permanentStatuses as LangFuse sent them, and answers 503 for everything else,
so the exporter keeps the batch on its queue and retries it. LangFuse's OTLP route
(web/src/pages/api/public/otel/v1/traces/index.ts, v4.16.0) answers 400 only for a body it
cannot read, decompress or parse or spans without valid ids; its middlewares
(web/src/features/public-api/server/withMiddlewares.ts, createAuthedProjectAPIRoute.ts) answer
401/403 for keys, 422 for ClickHouse resource errors and 500 for any other failure.
*/}}

{{/*
otel-collector.deliveryGuardUpstream is where the guard sends what the LangFuse exporter gives
it (YAML map): the scheme, host (as written in langfuse.endpoint, for the Host header), the
TCP address, the path, and whether the connection is TLS.
*/}}
{{- define "otel-collector.deliveryGuardUpstream" -}}
{{- $endpoint := include "otel-collector.tpl" (dict "value" .Values.langfuse.endpoint "context" .) }}
{{- $url := urlParse $endpoint }}
{{- $hostname := regexReplaceAll ":[0-9]+$" $url.host "" }}
{{- toYaml (dict
    "host" $url.host
    "address" (printf "%s:%s" $hostname (include "otel-collector.urlPort" $endpoint))
    "hostname" $hostname
    "path" (printf "%s%s" $url.path (ternary (printf "?%s" $url.query) "" (ne $url.query "")))
    "tls" (eq $url.scheme "https")) }}
{{- end }}

{{/*
otel-collector.deliveryGuardEnabled is "true" when the guard runs (it guards LangFuse, so both
must be on); empty otherwise.
*/}}
{{- define "otel-collector.deliveryGuardEnabled" -}}
{{- if and .Values.deliveryGuard.enabled .Values.langfuse.enabled }}true{{ end }}
{{- end }}

{{/*
otel-collector.deliveryGuardEndpoint is the LangFuse exporter's endpoint through the guard:
its loopback port and LangFuse's path.
*/}}
{{- define "otel-collector.deliveryGuardEndpoint" -}}
{{- $upstream := include "otel-collector.deliveryGuardUpstream" . | fromYaml }}
{{- printf "http://127.0.0.1:%v%s" .Values.deliveryGuard.port $upstream.path }}
{{- end }}

{{/*
otel-collector.deliveryGuardConfig is HAProxy's configuration (haproxy.cfg) of the guard. It
writes nothing (no pid file, stats socket or chroot), so the root filesystem stays read-only.
*/}}
{{- define "otel-collector.deliveryGuardConfig" -}}
{{- $v := .Values }}
{{- $guard := $v.deliveryGuard }}
{{- $upstream := include "otel-collector.deliveryGuardUpstream" . | fromYaml }}
{{- $passed := concat (list "200:299" "429" "502" "503" "504") $guard.permanentStatuses }}
global
  log stdout format raw local0 info
  # One thread and few connections: the exporter opens at most queue.consumers at a time.
  nbthread 1
  maxconn 256

defaults
  mode http
  log global
  # Each line names what LangFuse answered (upstream=) beside what the exporter was told.
  log-format "%ci:%cp %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST upstream=%[var(txn.upstream_status)] %B %tsc %{+Q}r"
  timeout connect 5s
  # Longer than the exporter's own timeout (langfuse.timeout), which decides when a request
  # has taken too long.
  timeout client 10m
  timeout server 10m

frontend langfuse
  bind 127.0.0.1:{{ $guard.port }}
  # The probes' path (HAProxy answers it itself); LangFuse's paths are under /api.
  monitor-uri /delivery-guard/health
  default_backend langfuse

backend langfuse
  # LangFuse sees the host the collector would have called.
  http-request set-header Host {{ $upstream.host }}
  http-response set-var(txn.upstream_status) status
  # Everything else is transient or a fault of the configuration (keys, endpoint, a proxy's
  # limit): retried until it is fixed, while CollectorExportFailing says nothing is delivered.
  http-response set-status 503 unless { status {{ join " " $passed }} }
  {{- /* The address is resolved when the guard starts (libc, so the pod's DNS search list
    applies); a name that does not resolve stops it, and the kubelet starts it again. */}}
  server langfuse {{ $upstream.address }} init-addr libc{{ if $upstream.tls }} ssl verify required ca-file @system-ca sni str({{ $upstream.hostname }}) verifyhost {{ $upstream.hostname }}{{ end }}
{{- end }}

{{/*
otel-collector.deliveryGuardContainer is the guard's container in the collector's pod; empty
when the guard is off.
*/}}
{{- define "otel-collector.deliveryGuardContainer" -}}
{{- if include "otel-collector.deliveryGuardEnabled" . }}
{{- $guard := .Values.deliveryGuard }}
- name: delivery-guard
  image: {{ include "otel-collector.imageReference" (dict "image" $guard.image "context" .) | quote }}
  imagePullPolicy: {{ $guard.image.pullPolicy }}
  # The image's entrypoint runs `haproxy -W -db` with these arguments (docker-library/haproxy,
  # 2.6/alpine/docker-entrypoint.sh).
  args:
    - -f
    - /conf/delivery-guard.cfg
  # The kubelet stops every container of the pod at once: the guard outlives the collector's
  # preStop sleep, in which the collector still delivers its queue through it, and its last
  # in-flight exports after SIGTERM (an export cut short stays queued for the successor).
  lifecycle:
    preStop:
      sleep:
        seconds: {{ min (add .Values.preStopSleepSeconds 5) (sub .Values.terminationGracePeriodSeconds 1) }}
  # The guard listens on loopback only, so the probes run busybox's wget inside it (the image
  # is FROM alpine, which has busybox); the path answers as long as HAProxy runs.
  {{- $probe := dict "exec" (dict "command" (list "wget" "-q" "-O" "/dev/null" (printf "http://127.0.0.1:%v/delivery-guard/health" $guard.port))) }}
  readinessProbe:
    {{- toYaml (merge (dict "periodSeconds" 10 "failureThreshold" 3) $probe) | nindent 4 }}
  livenessProbe:
    {{- toYaml (merge (dict "periodSeconds" 20 "failureThreshold" 3) $probe) | nindent 4 }}
  securityContext:
    {{- include "otel-collector.containerSecurityContext" . | nindent 4 }}
    # The image's haproxy user (docker-library/haproxy, 2.6/alpine/Dockerfile: adduser --uid 99),
    # by number so that runAsNonRoot can be checked.
    runAsUser: 99
    runAsGroup: 99
  resources:
    {{- toYaml $guard.resources | nindent 4 }}
  volumeMounts:
    - name: config
      mountPath: /conf
      readOnly: true
{{- end }}
{{- end }}
