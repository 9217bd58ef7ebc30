{{/*
agent-observability.fullname is "<release>-agent-observability", at most 63 characters.
*/}}
{{- define "agent-observability.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
agent-observability.labels are the recommended labels of the umbrella's own resources.
Usage: {{ include "agent-observability.labels" (dict "context" . "component" "secret-generator") }}
*/}}
{{- define "agent-observability.labels" -}}
{{ include "agent-observability.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: agent-observability
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .context.Chart.Name .context.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
agent-observability.selectorLabels select the umbrella's own pods of one component.
Usage: {{ include "agent-observability.selectorLabels" (dict "context" . "component" "secret-generator") }}
*/}}
{{- define "agent-observability.selectorLabels" -}}
app.kubernetes.io/name: {{ .context.Chart.Name }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
agent-observability.usesDefault is "true" when a subchart setting (a template string) still
renders to what the umbrella gives it, i.e. the user has not pointed it elsewhere. `default`
is a printf format whose %s is the release name.
Usage: {{ include "agent-observability.usesDefault" (dict "context" . "value" .Values.postgres.auth.existingSecret "default" "%s-postgres-auth") }}
*/}}
{{- define "agent-observability.usesDefault" -}}
{{- if eq (tpl (toString .value) .context) (printf .default .context.Release.Name) }}true{{ end }}
{{- end }}

{{/*
agent-observability.generatedSecrets is the secret generator's spec (JSON): every Secret the
release's defaults refer to and nobody replaced by one of their own. The names are derived
here, not from the subcharts' helpers, which the umbrella must not call.
*/}}
{{- define "agent-observability.generatedSecrets" -}}
{{- $release := .Release.Name }}
{{- /* No app.kubernetes.io/instance: Argo CD's label tracking would count the Secrets as the
Application's, show them OutOfSync as extraneous and prune (rotate) them. */}}
{{- $labels := dict "app.kubernetes.io/part-of" "agent-observability" "app.kubernetes.io/created-by" "secret-generator" }}
{{- $secrets := list }}
{{- $langfuse := .Values.langfuse }}
{{- if $langfuse.enabled }}
{{- if and (include "agent-observability.usesDefault" (dict "context" . "value" $langfuse.secrets.existingSecret "default" "%s-langfuse-secrets")) }}
{{- $secrets = append $secrets (dict "name" (printf "%s-langfuse-secrets" $release) "keys" (dict "nextauth-secret" "base64:32" "salt" "base64:32" "encryption-key" "hex:32")) }}
{{- end }}
{{- if and $langfuse.init.orgId (include "agent-observability.usesDefault" (dict "context" . "value" $langfuse.init.projectKeys.existingSecret "default" "%s-langfuse-project-keys")) }}
{{- $secrets = append $secrets (dict "name" (printf "%s-langfuse-project-keys" $release) "keys" (dict "public-key" "prefixed-uuid:pk-lf-" "secret-key" "prefixed-uuid:sk-lf-")) }}
{{- end }}
{{- if and $langfuse.init.orgId $langfuse.init.admin.email (include "agent-observability.usesDefault" (dict "context" . "value" $langfuse.init.admin.existingSecret "default" "%s-langfuse-admin")) }}
{{- $secrets = append $secrets (dict "name" (printf "%s-langfuse-admin" $release) "keys" (dict "password" "alnum:24")) }}
{{- end }}
{{- end }}
{{- $monitoring := index .Values "grafana-provisioning" }}
{{- if and $monitoring.enabled $monitoring.grafana.enabled (include "agent-observability.usesDefault" (dict "context" . "value" $monitoring.grafana.admin.existingSecret "default" "%s-grafana-admin")) }}
{{- $secrets = append $secrets (dict "name" (printf "%s-grafana-admin" $release) "keys" (dict "password" "alnum:24")) }}
{{- end }}
{{- $stores := dict "postgres" (dict "password" "alnum:32") "clickhouse" (dict "password" "alnum:32") "valkey" (dict "password" "alnum:32") "object-storage" (dict "access-key-id" "alnum:20" "secret-access-key" "alnum:40") }}
{{- range $store, $keys := $stores }}
{{- $values := index $.Values $store }}
{{- if and $values.enabled (include "agent-observability.usesDefault" (dict "context" $ "value" $values.auth.existingSecret "default" (printf "%%s-%s-auth" $store))) }}
{{- $secrets = append $secrets (dict "name" (printf "%s-%s-auth" $release $store) "keys" $keys) }}
{{- end }}
{{- end }}
{{- range $secrets }}
{{- $_ := set . "labels" $labels }}
{{- end }}
{{- toJson (dict "secrets" $secrets) }}
{{- end }}

{{/*
agent-observability.secretGeneratorHook makes a resource part of the secret generator hook:
it runs before install and before every upgrade (Argo CD: PreSync, every sync), so each
credential exists before any pod needs it. The generator is idempotent, so re-running is safe.
Usage: {{ include "agent-observability.secretGeneratorHook" (dict "weight" "-5") }}
*/}}
{{- define "agent-observability.secretGeneratorHook" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/*
agent-observability.nodeImage is the image the umbrella's own Jobs (secret generator, helm
tests) run Node.js scripts in: LangFuse's web image, so there is no extra image to pull or trust.
*/}}
{{- define "agent-observability.nodeImage" -}}
{{- include "agent-observability.imageReference" (dict "image" .Values.secretGenerator.image "context" .) }}
{{- end }}

{{/*
agent-observability.imageReference is "<registry>/<path>:<tag>" of one image of this chart; the
tag defaults to the chart's appVersion. global.imageRegistry, when set, replaces the registry the repository
names (docker.io, quay.io, ...) and keeps its path, so one setting moves every image of a
release to a private registry: docker.io/langfuse/langfuse becomes <registry>/langfuse/langfuse.
Usage: {{ include "agent-observability.imageReference" (dict "image" .Values.image "context" $) }}
*/}}
{{- define "agent-observability.imageReference" -}}
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
agent-observability.imagePullSecrets is the imagePullSecrets field of the umbrella's own pods
(the secret generator and the helm tests): global.imagePullSecrets; nothing when it is empty.
Usage: {{ include "agent-observability.imagePullSecrets" . }}
*/}}
{{- define "agent-observability.imagePullSecrets" -}}
{{- $secrets := dig "imagePullSecrets" list (.Values.global | default dict) }}
{{- with $secrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
agent-observability.networkPolicyEnabled is "true" when the umbrella's own pods (secret
generator, helm tests) get NetworkPolicies: whenever global.networkPolicy.enabled is on.
*/}}
{{- define "agent-observability.networkPolicyEnabled" -}}
{{- if dig "networkPolicy" "enabled" false (.Values.global | default dict) }}true{{ end }}
{{- end }}
