{{/*
agent-observability.componentName is the name of a component's objects in this release:
"<release>-<component>", and "<release>-<component>-<object>" for one of several (LangFuse's
"web" Service). Every subchart names its objects so inside the umbrella (validate.yaml refuses
the overrides that would change it, and release names too long for every name to fit), and the
umbrella's own components (secret-generator, agent-connection, test-...) are named alike. Derived
here, not by calling the subcharts' helpers (STYLE.md rule 8).
Usage: {{ include "agent-observability.componentName" (dict "context" . "component" "langfuse" "object" "web") }}
*/}}
{{- define "agent-observability.componentName" -}}
{{- $parts := list .context.Release.Name .component }}
{{- with .object }}
{{- $parts = append $parts . }}
{{- end }}
{{- join "-" $parts }}
{{- end }}

{{/*
agent-observability.serviceUrl is "http://<Service>.<namespace>.svc:<port>" of a component's
Service, for clients in any namespace (agents); without "namespace" the short form
"http://<Service>:<port>", for the release's own pods.
Usage: {{ include "agent-observability.serviceUrl" (dict "context" . "component" "langfuse" "object" "web" "port" 3000 "namespace" true) }}
*/}}
{{- define "agent-observability.serviceUrl" -}}
{{- $host := include "agent-observability.componentName" . }}
{{- if .namespace }}
{{- $host = printf "%s.%s.svc" $host .context.Release.Namespace }}
{{- end }}
{{- printf "http://%s:%v" $host .port }}
{{- end }}

{{/*
agent-observability.componentSelector selects a subchart's pods of this release (YAML map):
its name label, which is its chart's name inside the umbrella, and the release; with
"podComponent", only that component's pods (LangFuse's "web").
Usage: {{ include "agent-observability.componentSelector" (dict "context" . "component" "langfuse" "podComponent" "web") | fromYaml }}
*/}}
{{- define "agent-observability.componentSelector" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
{{- with .podComponent }}
app.kubernetes.io/component: {{ . }}
{{- end }}
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
agent-observability.usesDefault is "true" when a Secret name a subchart reads (a template
string) still renders to `default`, the name the umbrella gives it: the user has not named a
Secret of their own, so the secret generator creates it.
Usage: {{ include "agent-observability.usesDefault" (dict "context" . "value" .Values.postgres.auth.existingSecret "default" "obs-postgres-auth") }}
*/}}
{{- define "agent-observability.usesDefault" -}}
{{- if eq (tpl (toString .value) .context) .default }}true{{ end }}
{{- end }}

{{/*
agent-observability.bundledStores are the stores the umbrella runs for LangFuse (YAML list, by
the store's name), each with what ties it to LangFuse, for the checks in validate.yaml and the
secret generator:
  store        the subchart, and `name` how a message calls it
  setting      LangFuse's section for it (langfuse.database, ...), whose `address` key points
               LangFuse at another server: `external` names that server, `externalSettings`
               what else to set for it
  secretKeys   the keys of the Secret the generator creates for it
  ports        each Service port of the store's chart (`served`, under the store's values) and
               the port LangFuse connects to (`reads`), from its setting `read` (empty where
               LangFuse takes the endpoint the store exports, Chart.yaml import-values)
*/}}
{{- define "agent-observability.bundledStores" -}}
{{- /* dig: with LangFuse off, its section holds only the umbrella's keys. */}}
{{- $langfuse := .Values.langfuse }}
{{- $clickhouseTls := dig "clickhouse" "tls" false $langfuse }}
{{- /* In cluster mode the replicas also authenticate one another (the clickhouse chart's
cluster.xml: interserver_http_credentials, the cluster's secret). */}}
{{- $clickhouseKeys := dict "password" "alnum:32" }}
{{- if dig "cluster" "enabled" false .Values.clickhouse }}
{{- $clickhouseKeys = merge $clickhouseKeys (dict "interserver-password" "alnum:32" "cluster-secret" "alnum:32") }}
{{- end }}
{{- toYaml (list
  (dict "store" "clickhouse" "name" "ClickHouse" "setting" "clickhouse" "address" "host"
        "external" "ClickHouse" "externalSettings" "langfuse.clickhouse.existingSecret"
        "secretKeys" $clickhouseKeys
        "ports" (list
          (dict "served" "service.httpPort" "read" "clickhouse.httpPort"
                "reads" (int (dig "clickhouse" "httpPort" 0 $langfuse) | default (ternary 8443 8123 $clickhouseTls)))
          (dict "served" "service.nativePort" "read" "clickhouse.nativePort"
                "reads" (int (dig "clickhouse" "nativePort" 0 $langfuse) | default (ternary 9440 9000 $clickhouseTls)))))
  (dict "store" "object-storage" "name" "object storage" "setting" "s3" "address" "endpoint"
        "external" "S3" "externalSettings" "langfuse.s3.bucket, region and existingSecret"
        "secretKeys" (dict "access-key-id" "alnum:20" "secret-access-key" "alnum:40")
        "ports" (list (dict "served" "service.s3Port" "read" "" "reads" 8333)))
  (dict "store" "postgres" "name" "PostgreSQL" "setting" "database" "address" "host"
        "external" "PostgreSQL" "externalSettings" "langfuse.database.existingSecret"
        "secretKeys" (dict "password" "alnum:32")
        "ports" (list (dict "served" "service.port" "read" "database.port" "reads" (int (dig "database" "port" 5432 $langfuse)))))
  (dict "store" "valkey" "name" "Valkey" "setting" "redis" "address" "host"
        "external" "Valkey or Redis" "externalSettings" "langfuse.redis.existingSecret, when it has a password"
        "secretKeys" (dict "password" "alnum:32")
        "ports" (list (dict "served" "service.port" "read" "redis.port" "reads" (int (dig "redis" "port" 6379 $langfuse)))))) }}
{{- end }}

{{/*
agent-observability.generatedSecrets is the secret generator's spec (JSON): every Secret the
release's defaults refer to and nobody replaced by one of their own. The names are derived
here, not from the subcharts' helpers, which the umbrella must not call.
*/}}
{{- define "agent-observability.generatedSecrets" -}}
{{- /* No app.kubernetes.io/instance: Argo CD's label tracking would count the Secrets as the
Application's, show them OutOfSync as extraneous and prune (rotate) them. */}}
{{- $labels := dict "app.kubernetes.io/part-of" "agent-observability" "app.kubernetes.io/created-by" "secret-generator" }}
{{- $wanted := list }}
{{- $langfuse := .Values.langfuse }}
{{- if $langfuse.enabled }}
{{- $wanted = append $wanted (dict "component" "langfuse" "object" "secrets" "value" $langfuse.secrets.existingSecret
    "keys" (dict "nextauth-secret" "base64:32" "salt" "base64:32" "encryption-key" "hex:32")) }}
{{- if $langfuse.init.orgId }}
{{- $wanted = append $wanted (dict "component" "langfuse" "object" "project-keys" "value" .Values.global.langfuse.projectKeys.existingSecret
    "keys" (dict "public-key" "prefixed-uuid:pk-lf-" "secret-key" "prefixed-uuid:sk-lf-")) }}
{{- if $langfuse.init.admin.email }}
{{- $wanted = append $wanted (dict "component" "langfuse" "object" "admin" "value" $langfuse.init.admin.existingSecret
    "keys" (dict "password" "alnum:24")) }}
{{- end }}
{{- end }}
{{- end }}
{{- $monitoring := index .Values "monitoring" }}
{{- if and $monitoring.enabled $monitoring.grafana.enabled }}
{{- $wanted = append $wanted (dict "component" "grafana" "object" "admin" "value" $monitoring.grafana.admin.existingSecret
    "keys" (dict $monitoring.grafana.admin.passwordKey "alnum:24")) }}
{{- end }}
{{- range include "agent-observability.bundledStores" . | fromYamlArray }}
{{- $values := index $.Values .store }}
{{- if $values.enabled }}
{{- $keys := .secretKeys }}
{{- if and (eq .store "postgres") (dig "cloudnativepg" "enabled" false $values) }}
{{- /* CloudNativePG reads the owner's name beside the password (the postgres chart's
bootstrap.initdb.secret); added to an existing Secret, which keeps its password. */}}
{{- $keys = merge (dict "username" (printf "literal:%s" $values.auth.username)) $keys }}
{{- end }}
{{- $wanted = append $wanted (dict "component" .store "object" "auth" "value" $values.auth.existingSecret "keys" $keys) }}
{{- end }}
{{- end }}
{{- $secrets := list }}
{{- range $wanted }}
{{- $name := include "agent-observability.componentName" (dict "context" $ "component" .component "object" .object) }}
{{- if include "agent-observability.usesDefault" (dict "context" $ "value" .value "default" $name) }}
{{- $secrets = append $secrets (dict "name" $name "keys" .keys "labels" $labels) }}
{{- end }}
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
