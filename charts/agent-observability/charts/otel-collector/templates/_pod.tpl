{{/*
otel-collector.podTemplate is the pod template of the collector's workload, the StatefulSet
(the queue on a claim per replica) or the Deployment (the queue on an emptyDir): one pod for
both, which differ only in where the queue volume comes from.
*/}}
{{- define "otel-collector.podTemplate" -}}
metadata:
  labels:
    {{- include "otel-collector.labels" (dict "context" .) | nindent 4 }}
  annotations:
    {{- include "otel-collector.checksums" . | nindent 4 }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "otel-collector.serviceAccountName" . | quote }}
  automountServiceAccountToken: false
  securityContext:
    {{- include "otel-collector.podSecurityContext" . | nindent 4 }}
  {{- with include "otel-collector.imagePullSecrets" . }}
  {{- . | nindent 2 }}
  {{- end }}
  # Longer than the preStop sleep: then SIGTERM, the exporters end their in-flight exports,
  # and what is still queued stays on the queue volume.
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - name: otel-collector
      image: {{ include "otel-collector.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --config=/conf/config.yaml
      # A stopping pod leaves the Service's endpoints while the sleep keeps the collector
      # running: agents' last exports still find it, and the exporters keep draining the
      # queues. The kubelet's own sleep, as the image has no shell.
      lifecycle:
        preStop:
          sleep:
            seconds: {{ .Values.preStopSleepSeconds }}
      ports:
        - name: otlp-grpc
          containerPort: {{ .Values.ports.otlpGrpc }}
          protocol: TCP
        - name: otlp-http
          containerPort: {{ .Values.ports.otlpHttp }}
          protocol: TCP
        {{- if .Values.metrics.enabled }}
        - name: metrics
          containerPort: {{ .Values.ports.metrics }}
          protocol: TCP
        {{- end }}
        - name: telemetry
          containerPort: {{ .Values.ports.telemetry }}
          protocol: TCP
        - name: health
          containerPort: {{ .Values.ports.health }}
          protocol: TCP
        {{- if .Values.statsd.enabled }}
        - name: statsd
          containerPort: {{ .Values.statsd.port }}
          protocol: UDP
        {{- end }}
        {{- if eq (include "otel-collector.samplingMode" .) "by-trace-id" }}
        - name: sampling
          containerPort: {{ .Values.ports.sampling }}
          protocol: TCP
        {{- end }}
      {{- with include "otel-collector.env" . }}
      env:
        {{- . | nindent 8 }}
      {{- end }}
      # The health_check extension answers once every pipeline has started.
      startupProbe:
        httpGet:
          path: /
          port: health
        periodSeconds: 2
        failureThreshold: 30
      readinessProbe:
        httpGet:
          path: /
          port: health
        periodSeconds: 10
        failureThreshold: 3
      livenessProbe:
        httpGet:
          path: /
          port: health
        periodSeconds: 20
        failureThreshold: 3
      securityContext:
        {{- include "otel-collector.containerSecurityContext" . | nindent 8 }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /conf
          readOnly: true
        {{- if .Values.queue.persistent }}
        - name: queue
          mountPath: /var/lib/otelcol/queue
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    {{- with include "otel-collector.deliveryGuardContainer" . }}{{ . | trim | nindent 4 }}{{ end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "otel-collector.fullname" . }}
    {{- if .Values.queue.persistent }}
    {{- if not .Values.persistence.enabled }}
    # Lost with the pod: a rollout, drain or eviction drops what is queued.
    - name: queue
      emptyDir:
        sizeLimit: {{ .Values.persistence.size | quote }}
    {{- else if .Values.persistence.existingClaim }}
    - name: queue
      persistentVolumeClaim:
        claimName: {{ .Values.persistence.existingClaim }}
    {{- end }}
    {{- /* Otherwise each replica's claim comes from the StatefulSet's volumeClaimTemplates. */}}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- include "otel-collector.placement" (dict "context" . "affinity" .Values.affinity "topologySpreadConstraints" .Values.topologySpreadConstraints "spread" true) | nindent 2 }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
