{{/*
langfuse.hpa is the HorizontalPodAutoscaler of web or worker, when its autoscaling is on.
Usage: {{ include "langfuse.hpa" (dict "context" $ "component" "web") }}
*/}}
{{- define "langfuse.hpa" -}}
{{- $ctx := .context }}
{{- $autoscaling := (index $ctx.Values .component).autoscaling }}
{{- if $autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "langfuse.fullname" $ctx }}-{{ .component }}
  labels:
    {{- include "langfuse.labels" (dict "context" $ctx "component" .component) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "langfuse.fullname" $ctx }}-{{ .component }}
  minReplicas: {{ $autoscaling.minReplicas }}
  maxReplicas: {{ $autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $autoscaling.targetCPUUtilizationPercentage }}
    {{- if $autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $autoscaling.targetMemoryUtilizationPercentage }}
    {{- end }}
  {{- with $autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/*
langfuse.pdb is the PodDisruptionBudget of web or worker, when enabled.
Usage: {{ include "langfuse.pdb" (dict "context" $ "component" "web") }}
*/}}
{{- define "langfuse.pdb" -}}
{{- $ctx := .context }}
{{- $pdb := (index $ctx.Values .component).podDisruptionBudget }}
{{- if $pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "langfuse.fullname" $ctx }}-{{ .component }}
  labels:
    {{- include "langfuse.labels" (dict "context" $ctx "component" .component) | nindent 4 }}
spec:
  maxUnavailable: {{ $pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "langfuse.selectorLabels" (dict "context" $ctx "component" .component) | nindent 6 }}
{{- end }}
{{- end }}
