{{/*
langfuse.stores are the connection settings of the four stores (database, clickhouse, redis,
s3) as YAML: what values.yaml says, with every setting left empty filled in from `bundled`,
which a parent chart fills for the stores it runs itself (and only while it runs them). So a
parent that turns its bundled store off leaves no setting meant for that store behind.
ClickHouse ports left at 0 become the protocol's default, with or without TLS.
Usage: {{ $stores := include "langfuse.stores" . | fromYaml }}
*/}}
{{- define "langfuse.stores" -}}
{{- $stores := dict }}
{{- range $store := list "database" "clickhouse" "redis" "s3" }}
{{- $settings := deepCopy (index $.Values $store) }}
{{- range $key, $value := index ($.Values.bundled | default dict) $store | default dict }}
{{- if not (index $settings $key) }}
{{- $_ := set $settings $key $value }}
{{- end }}
{{- end }}
{{- $_ := set $stores $store $settings }}
{{- end }}
{{- /* database.cloudnativepg beside a bundled PostgreSQL: the bundled host names the
Cluster, and LangFuse connects to its read-write Service (langfuse.cloudnativepgService). A
host of the user's own is kept as given. */}}
{{- $database := $stores.database }}
{{- $bundledDatabase := dig "database" dict ($.Values.bundled | default dict) }}
{{- if and $database.cloudnativepg $bundledDatabase.host (not $.Values.database.host) }}
{{- $_ := set $database "host" (include "langfuse.cloudnativepgService" (dict "cluster" (include "langfuse.tpl" (dict "value" $bundledDatabase.host "context" $)) "role" "rw")) }}
{{- end }}
{{- /* redis.sentinel.enabled with no nodes, beside a bundled Valkey (its `sentinel` block,
imported whole; agent-observability's validate.yaml checks it is the one the store runs with):
its pods' Sentinels (langfuse.sentinelHosts, as the valkey chart names its pods), on its
sentinel.port. The Sentinels take the data password. */}}
{{- $redis := $stores.redis }}
{{- $bundledSentinel := dig "redis" "sentinel" dict ($.Values.bundled | default dict) }}
{{- if and $redis.sentinel.enabled (not $redis.sentinel.nodes) $bundledSentinel }}
{{- $host := include "langfuse.tpl" (dict "value" $redis.host "context" $) }}
{{- $nodes := list }}
{{- range include "langfuse.sentinelHosts" (dict "service" $host "replicas" $bundledSentinel.replicas "clusterDomain" $bundledSentinel.clusterDomain "context" $) | fromYamlArray }}
{{- $nodes = append $nodes (printf "%s:%v" . $bundledSentinel.port) }}
{{- end }}
{{- $_ := set $redis "sentinel" (mustMergeOverwrite (deepCopy $redis.sentinel) (dict "nodes" $nodes "masterName" (default $bundledSentinel.masterName $redis.sentinel.masterName) "existingSecret" (default $redis.existingSecret $redis.sentinel.existingSecret))) }}
{{- end }}
{{- /* ClickHouse's default ports, plain or TLS (as ClickHouse Cloud serves them). */}}
{{- $clickhouse := $stores.clickhouse }}
{{- $_ := set $clickhouse "httpPort" (int $clickhouse.httpPort | default (ternary 8443 8123 $clickhouse.tls)) }}
{{- $_ := set $clickhouse "nativePort" (int $clickhouse.nativePort | default (ternary 9440 9000 $clickhouse.tls)) }}
{{- /* toYaml gives nothing at all for a string YAML cannot carry (a control character): say
so, rather than let every setting vanish. */}}
{{- $text := toYaml $stores }}
{{- if not $text }}
{{- fail "langfuse: a setting of database, clickhouse, redis or s3 holds a control character (a byte below 0x20 other than tab, or 0x7f to 0x9f), which no environment variable can carry: remove it" }}
{{- end }}
{{- $text }}
{{- end }}

{{/*
langfuse.configData is the non-secret environment of web, worker and migrations, built as a
dict so every value is a string. Credentials are never here (see langfuse.env).
*/}}
{{- define "langfuse.configData" -}}
{{- $v := mustMergeOverwrite (deepCopy .Values) (include "langfuse.stores" . | fromYaml) }}
{{- $clickhouseHost := include "langfuse.tpl" (dict "value" $v.clickhouse.host "context" .) }}
{{- $config := dict
  "NEXTAUTH_URL" $v.nextauthUrl
  "DATABASE_HOST" (printf "%s:%v" (include "langfuse.tpl" (dict "value" $v.database.host "context" .)) $v.database.port)
  "DATABASE_NAME" $v.database.name
  "DATABASE_USERNAME" $v.database.username
  "CLICKHOUSE_URL" (printf "%s://%s:%v" (ternary "https" "http" $v.clickhouse.tls) $clickhouseHost $v.clickhouse.httpPort)
  "CLICKHOUSE_MIGRATION_URL" (printf "clickhouse://%s:%v" $clickhouseHost $v.clickhouse.nativePort)
  "CLICKHOUSE_MIGRATION_SSL" (toString $v.clickhouse.tls)
  "CLICKHOUSE_USER" $v.clickhouse.username
  "CLICKHOUSE_DB" $v.clickhouse.database
  "CLICKHOUSE_CLUSTER_ENABLED" (toString $v.clickhouse.clusterEnabled)
  "REDIS_TLS_ENABLED" (toString $v.redis.tls)
  "TELEMETRY_ENABLED" (toString $v.features.telemetryEnabled)
  "AUTH_DISABLE_SIGNUP" (toString $v.features.signUpDisabled)
  "LANGFUSE_ENABLE_EXPERIMENTAL_FEATURES" (toString $v.features.experimentalFeaturesEnabled)
  "LANGFUSE_LOG_LEVEL" $v.logging.level
  "LANGFUSE_LOG_FORMAT" $v.logging.format
  "LANGFUSE_AUTO_POSTGRES_MIGRATION_DISABLED" "true"
  "LANGFUSE_AUTO_CLICKHOUSE_MIGRATION_DISABLED" "true"
}}
{{- with $v.database.args }}
{{- $_ := set $config "DATABASE_ARGS" . }}
{{- end }}
{{- /* One server by host and port, unless Sentinel or Cluster is on: LangFuse then ignores
REDIS_HOST (redis.ts, createNewRedisInstance), and a host that names no primary would only mislead. */}}
{{- if not (or $v.redis.sentinel.enabled $v.redis.cluster.enabled) }}
{{- $_ := set $config "REDIS_HOST" (include "langfuse.tpl" (dict "value" $v.redis.host "context" .)) }}
{{- $_ := set $config "REDIS_PORT" (toString $v.redis.port) }}
{{- end }}
{{- /* Cluster mode as LangFuse v4.16.0 reads it: CLICKHOUSE_CLUSTER_ENABLED picks the clustered
migrations and ReplicatedMergeTree for their bookkeeping table, CLICKHOUSE_CLUSTER_NAME names the
cluster to them (packages/shared/clickhouse/scripts/up.sh, x-cluster-name) and to the queries
that read every replica (packages/shared/src/server/clickhouse/queryTracking.ts,
clusterAllReplicas; worker/src/backgroundMigrations); its default is `default` (env.ts), written
here so the name is visibly the one the bundled cluster defines. */}}
{{- if $v.clickhouse.clusterEnabled }}
{{- $_ := set $config "CLICKHOUSE_CLUSTER_NAME" (include "langfuse.clickhouseClusterName" .) }}
{{- end }}
{{- with $v.redis.username }}
{{- $_ := set $config "REDIS_USERNAME" . }}
{{- end }}
{{- /* Sentinel and Cluster as LangFuse v4.16.0 reads them: packages/shared/src/env.ts (the
schema) and packages/shared/src/server/redis/redis.ts (createRedisSentinelInstance,
createRedisClusterInstance: nodes "host1:port1,host2:port2"). Only when on, so a single-server
install renders as before. */}}
{{- with $v.redis.sentinel }}
{{- if .enabled }}
{{- $_ := set $config "REDIS_SENTINEL_ENABLED" "true" }}
{{- $_ := set $config "REDIS_SENTINEL_NODES" (include "langfuse.redisNodes" (dict "nodes" .nodes "context" $)) }}
{{- $_ := set $config "REDIS_SENTINEL_MASTER_NAME" .masterName }}
{{- $_ := set $config "REDIS_SENTINEL_TLS_ENABLED" (toString .tls) }}
{{- with .username }}
{{- $_ := set $config "REDIS_SENTINEL_USERNAME" . }}
{{- end }}
{{- end }}
{{- end }}
{{- if $v.redis.cluster.enabled }}
{{- $_ := set $config "REDIS_CLUSTER_ENABLED" "true" }}
{{- $_ := set $config "REDIS_CLUSTER_NODES" (include "langfuse.redisNodes" (dict "nodes" $v.redis.cluster.nodes "context" $)) }}
{{- end }}
{{- $endpoint := include "langfuse.tpl" (dict "value" $v.s3.endpoint "context" .) }}
{{- $publicEndpoint := include "langfuse.tpl" (dict "value" $v.s3.publicEndpoint "context" .) }}
{{- /* Events stay inside the cluster; media has one endpoint for pods and browsers alike
(web/src/features/media/server/getMediaStorageClient.ts); batch exports upload through the
endpoint and sign their download links with the external one (StorageService.ts, signedUrlClient). */}}
{{- $uses := dict
  "EVENT_UPLOAD" (dict "prefix" $v.s3.eventPrefix "endpoint" $endpoint)
  "MEDIA_UPLOAD" (dict "prefix" $v.s3.mediaPrefix "endpoint" (default $endpoint $publicEndpoint))
}}
{{- if $v.s3.batchExport.enabled }}
{{- $_ := set $uses "BATCH_EXPORT" (dict "prefix" $v.s3.batchExport.prefix "endpoint" $endpoint "externalEndpoint" $publicEndpoint) }}
{{- end }}
{{- $_ := set $config "LANGFUSE_S3_BATCH_EXPORT_ENABLED" (toString $v.s3.batchExport.enabled) }}
{{- range $use, $settings := $uses }}
{{- $_ := set $config (printf "LANGFUSE_S3_%s_BUCKET" $use) $v.s3.bucket }}
{{- $_ := set $config (printf "LANGFUSE_S3_%s_REGION" $use) $v.s3.region }}
{{- $_ := set $config (printf "LANGFUSE_S3_%s_PREFIX" $use) $settings.prefix }}
{{- $_ := set $config (printf "LANGFUSE_S3_%s_FORCE_PATH_STYLE" $use) (toString $v.s3.forcePathStyle) }}
{{- with $settings.endpoint }}
{{- $_ := set $config (printf "LANGFUSE_S3_%s_ENDPOINT" $use) . }}
{{- end }}
{{- with $settings.externalEndpoint }}
{{- $_ := set $config (printf "LANGFUSE_S3_%s_EXTERNAL_ENDPOINT" $use) . }}
{{- end }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/*
langfuse.redisNodes is a list of host:port templates as LangFuse reads REDIS_SENTINEL_NODES and
REDIS_CLUSTER_NODES: comma-separated.
Usage: {{ include "langfuse.redisNodes" (dict "nodes" $list "context" $) }}
*/}}
{{- define "langfuse.redisNodes" -}}
{{- $nodes := list }}
{{- range .nodes }}
{{- $nodes = append $nodes (include "langfuse.tpl" (dict "value" . "context" $.context)) }}
{{- end }}
{{- join "," $nodes }}
{{- end }}
