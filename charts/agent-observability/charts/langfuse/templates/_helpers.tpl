{{/*
langfuse.name is the chart name, or nameOverride.
*/}}
{{- define "langfuse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
langfuse.fullname is the name of this chart's resources: "<release>-<chart>", at most 63
characters. The release name is always included, so the parent chart can derive the names
of its subcharts' resources without calling their helpers.
*/}}
{{- define "langfuse.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
langfuse.chart is the chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "langfuse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
langfuse.selectorLabels are the immutable labels that select a component's pods.
Usage: {{ include "langfuse.selectorLabels" (dict "context" . "component" "web") }}
*/}}
{{- define "langfuse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "langfuse.name" .context | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
langfuse.labels are the recommended labels of every resource, plus commonLabels.
Usage: {{ include "langfuse.labels" (dict "context" . "component" "web") }}
*/}}
{{- define "langfuse.labels" -}}
{{ include "langfuse.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: agent-observability
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
helm.sh/chart: {{ include "langfuse.chart" .context }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
langfuse.serviceAccountName is the ServiceAccount this chart's pods run as.
*/}}
{{- define "langfuse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "langfuse.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
langfuse.tpl renders a value that may contain template expressions (fields marked
"Template" in values.yaml), in this chart's context.
Usage: {{ include "langfuse.tpl" (dict "value" .Values.database.host "context" $) }}
*/}}
{{- define "langfuse.tpl" -}}
{{- tpl (toString .value) .context }}
{{- end }}

{{/*
langfuse.image is the reference of the web or worker image; the tag defaults to appVersion.
Usage: {{ include "langfuse.image" (dict "image" .Values.image.web "context" $) }}
*/}}
{{- define "langfuse.image" -}}
{{- include "langfuse.imageReference" . }}
{{- end }}

{{/*
langfuse.secretsName is the Secret holding NEXTAUTH_SECRET, SALT and ENCRYPTION_KEY: the
existing Secret when named, else the one this chart renders from the given values.
*/}}
{{- define "langfuse.secretsName" -}}
{{- if .Values.secrets.existingSecret }}
{{- include "langfuse.tpl" (dict "value" .Values.secrets.existingSecret "context" .) }}
{{- else }}
{{- printf "%s-secrets" (include "langfuse.fullname" .) }}
{{- end }}
{{- end }}

{{/*
langfuse.podSecurityContext runs every LangFuse pod as the images' non-root user (1001).
*/}}
{{- define "langfuse.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1001
runAsGroup: 1001
fsGroup: 1001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
langfuse.containerSecurityContext meets Pod Security "restricted" with a read-only root
filesystem; the containers write only to the emptyDir volumes mounted for them.
*/}}
{{- define "langfuse.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/*
langfuse.antiAffinity prefers spreading a component's replicas over nodes, unless the user
gave an affinity of their own.
Usage: {{ include "langfuse.antiAffinity" (dict "context" $ "component" "web" "affinity" .Values.web.affinity) }}
*/}}
{{- define "langfuse.antiAffinity" -}}
{{- if .affinity }}
{{- toYaml .affinity }}
{{- else }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "langfuse.selectorLabels" (dict "context" .context "component" .component) | nindent 12 }}
{{- end }}
{{- end }}

{{/*
langfuse.networkPolicyEnabled is "true" when this chart's NetworkPolicies are on, by its own
networkPolicy.enabled or the parent's global.networkPolicy.enabled; empty otherwise.
*/}}
{{- define "langfuse.networkPolicyEnabled" -}}
{{- if or .Values.networkPolicy.enabled (dig "networkPolicy" "enabled" false (.Values.global | default dict)) }}true{{ end }}
{{- end }}

{{/*
langfuse.imageReference is "<registry>/<path>:<tag>" of one image of this chart;
the tag defaults to the chart's appVersion. global.imageRegistry, when set, replaces the registry the repository
names (docker.io, quay.io, ...) and keeps its path, so one setting moves every image of a
release to a private registry: docker.io/langfuse/langfuse becomes <registry>/langfuse/langfuse.
Usage: {{ include "langfuse.imageReference" (dict "image" .Values.image "context" $) }}
*/}}
{{- define "langfuse.imageReference" -}}
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
langfuse.imagePullSecrets is the imagePullSecrets field of a pod: imagePullSecrets and
global.imagePullSecrets; nothing when both are empty.
Usage: {{ include "langfuse.imagePullSecrets" . }}
*/}}
{{- define "langfuse.imagePullSecrets" -}}
{{- $secrets := concat (.Values.imagePullSecrets | default list) (dig "imagePullSecrets" list (.Values.global | default dict)) | uniq }}
{{- with $secrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
