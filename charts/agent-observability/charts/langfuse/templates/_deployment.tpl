{{/*
langfuse.deployment is the Deployment of web or worker. They share image family, environment,
security and scheduling settings; they differ in port, probe paths and headless init (web).
Usage: {{ include "langfuse.deployment" (dict "context" $ "component" "web") }}
*/}}
{{- define "langfuse.deployment" -}}
{{- $component := .component }}
{{- $ctx := .context }}
{{- $settings := index $ctx.Values $component }}
{{- $image := index $ctx.Values.image $component }}
{{- $paths := get (dict "web" (dict "health" "/api/public/health" "ready" "/api/public/ready") "worker" (dict "health" "/api/health" "ready" "/api/ready")) $component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "langfuse.fullname" $ctx }}-{{ $component }}
  labels:
    {{- include "langfuse.labels" (dict "context" $ctx "component" $component) | nindent 4 }}
spec:
  {{- if not (or $settings.autoscaling.enabled $settings.autoscaling.external) }}
  replicas: {{ $settings.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "langfuse.selectorLabels" (dict "context" $ctx "component" $component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "langfuse.labels" (dict "context" $ctx "component" $component) | nindent 8 }}
      annotations:
        {{- include "langfuse.checksums" $ctx | nindent 8 }}
        {{- with $settings.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "langfuse.serviceAccountName" $ctx | quote }}
      automountServiceAccountToken: false
      securityContext:
        {{- include "langfuse.podSecurityContext" $ctx | nindent 8 }}
      {{- with include "langfuse.imagePullSecrets" $ctx }}
      {{- . | nindent 6 }}
      {{- end }}
      # Both answer their readiness check with 500 after SIGTERM; this leaves time to drain.
      terminationGracePeriodSeconds: 60
      initContainers:
        {{- include "langfuse.waitForMigrations" $ctx | nindent 8 }}
      containers:
        - name: {{ $component }}
          image: {{ include "langfuse.image" (dict "image" $image "context" $ctx) | quote }}
          imagePullPolicy: {{ $image.pullPolicy }}
          command:
            {{- include "langfuse.command" (dict "context" $ctx "entrypoint" (printf "./%s/entrypoint.sh" $component)) | nindent 12 }}
          # With a command set, the image's CMD is not used: these are its CMDs at v4.16.0
          # (web/Dockerfile without the LangFuse Cloud branch, worker/Dockerfile).
          {{- if eq $component "web" }}
          args: ["node", "./web/server.js", "--keepAliveTimeout", "110000"]
          {{- else }}
          args: ["node", "worker/dist/index.js"]
          {{- end }}
          ports:
            - name: http
              containerPort: {{ $settings.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "langfuse.fullname" $ctx }}
          env:
            # The listen address of both Next.js (web: server.js reads HOSTNAME) and the worker
            # (worker/src/index.ts: app.listen(PORT, HOSTNAME)). The container runtime sets
            # HOSTNAME to the pod's name, so it is always overridden. For `::`, Node opens a
            # dual-stack socket; Next.js then calls itself on [::1].
            - name: HOSTNAME
              value: {{ $ctx.Values.listenAddress | quote }}
            - name: PORT
              value: {{ $settings.port | quote }}
            - name: NODE_OPTIONS
              value: {{ printf "--max-old-space-size=%v" $settings.maxOldSpaceSizeMiB | quote }}
            {{- include "langfuse.env" $ctx | nindent 12 }}
            {{- /* Mail on both (each sends its own), sign-in on web alone (templates/_auth.tpl). */}}
            {{- include "langfuse.mailEnv" $ctx | nindent 12 }}
            {{- if eq $component "web" }}
            {{- include "langfuse.initEnv" $ctx | nindent 12 }}
            {{- include "langfuse.authEnv" $ctx | nindent 12 }}
            {{- else }}
            {{- include "langfuse.dogstatsdEnv" $ctx | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: {{ $paths.health }}
              port: http
            periodSeconds: {{ $settings.startupProbe.periodSeconds }}
            failureThreshold: {{ $settings.startupProbe.failureThreshold }}
            timeoutSeconds: 5
          readinessProbe:
            httpGet:
              path: {{ $paths.ready }}
              port: http
            periodSeconds: {{ $settings.readinessProbe.periodSeconds }}
            failureThreshold: {{ $settings.readinessProbe.failureThreshold }}
            timeoutSeconds: 5
          livenessProbe:
            httpGet:
              path: {{ $paths.health }}
              port: http
            periodSeconds: {{ $settings.livenessProbe.periodSeconds }}
            failureThreshold: {{ $settings.livenessProbe.failureThreshold }}
            timeoutSeconds: 5
          securityContext:
            {{- include "langfuse.containerSecurityContext" $ctx | nindent 12 }}
          resources:
            {{- toYaml $settings.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if eq $component "web" }}
            # Next.js writes its image and fetch caches here.
            - name: next-cache
              mountPath: /app/web/.next/cache
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        - name: migration-gate
          configMap:
            name: {{ include "langfuse.fullname" $ctx }}-migration-gate
        {{- if eq $component "web" }}
        - name: next-cache
          emptyDir: {}
        {{- end }}
      {{- include "langfuse.placement" (dict "context" $ctx "component" $component "affinity" $settings.affinity "topologySpreadConstraints" $settings.topologySpreadConstraints "spread" true) | nindent 6 }}
      {{- with $settings.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $settings.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
