{{/*
agent-observability.helmTest is one `helm test` check: a ConfigMap with files/helm-tests.mjs
and a Job (not a bare Pod, so retries and completion are the Job controller's) that runs the
named check in the Node.js of LangFuse's image; with global.networkPolicy.enabled, a
NetworkPolicy that lets the Job's pod connect to DNS and to `egress` (NetworkPolicy egress
rules: the pods it checks) only, and accept no connection.
Usage: {{ include "agent-observability.helmTest" (dict "context" $ "check" "collector-otlp" "env" $env "egress" $egress) }}
*/}}
{{- define "agent-observability.helmTest" -}}
{{- $ctx := .context }}
{{- $name := include "agent-observability.componentName" (dict "context" $ctx "component" (printf "test-%s" .check)) }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}
  labels:
    {{- include "agent-observability.labels" (dict "context" $ctx "component" "test") | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-weight: "-1"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
data:
  helm-tests.mjs: |
    {{- $ctx.Files.Get "files/helm-tests.mjs" | nindent 4 }}
---
{{- if include "agent-observability.networkPolicyEnabled" $ctx }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  labels:
    {{- include "agent-observability.labels" (dict "context" $ctx "component" "test") | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-weight: "-1"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  podSelector:
    matchLabels:
      {{- include "agent-observability.selectorLabels" (dict "context" $ctx "component" "test") | nindent 6 }}
      agent-observability/helm-test: {{ .check }}
  policyTypes: [Ingress, Egress]
  egress:
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    {{- toYaml .egress | nindent 4 }}
---
{{- end }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $name }}
  labels:
    {{- include "agent-observability.labels" (dict "context" $ctx "component" "test") | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 3
  activeDeadlineSeconds: 300
  template:
    metadata:
      labels:
        {{- include "agent-observability.labels" (dict "context" $ctx "component" "test") | nindent 8 }}
        # Which check: its NetworkPolicy selects this pod alone.
        agent-observability/helm-test: {{ .check }}
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1001
        runAsGroup: 1001
        seccompProfile:
          type: RuntimeDefault
      {{- with include "agent-observability.imagePullSecrets" $ctx }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: test
          image: {{ include "agent-observability.nodeImage" $ctx | quote }}
          imagePullPolicy: IfNotPresent
          command: [node, /test/helm-tests.mjs, {{ .check }}]
          env:
            {{- toYaml .env | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests:
              cpu: 10m
              memory: 64Mi
            limits:
              memory: 128Mi
          volumeMounts:
            - name: test
              mountPath: /test
              readOnly: true
      volumes:
        - name: test
          configMap:
            name: {{ $name }}
{{- end }}
