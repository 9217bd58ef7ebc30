{{/*
valkey.passwordSecret is the Secret holding the password, rendered from auth.existingSecret
(validate.yaml refuses it empty).
*/}}
{{- define "valkey.passwordSecret" -}}
{{- tpl .Values.auth.existingSecret . }}
{{- end }}

{{/*
valkey.config is valkey.conf. LangFuse's BullMQ queues require maxmemory-policy noeviction
(validate.yaml refuses another in extraConfig).
`bind * -::*` listens on every IPv4 and IPv6 address, and the leading `-` lets the server
start where the pod has no IPv6 (valkey.conf: "like the default, all available interfaces").
*/}}
{{- define "valkey.config" -}}
bind * -::*
port 6379
dir /data
appendonly yes
appendfsync everysec
maxmemory {{ .Values.maxmemory }}
maxmemory-policy noeviction
# The password is written by the init container from the Secret.
include /run/valkey/auth.conf
{{- if .Values.sentinel.enabled }}
# The name this pod announces to the primary and the Sentinels, and whom it replicates at
# start: written by the init container from what the other Sentinels know.
include /run/valkey/replication.conf
{{- end }}
{{- with .Values.extraConfig }}
{{ . }}
{{- end }}
{{- end }}

{{/*
valkey.podHosts are the pods' DNS names under the headless Service, in ordinal order
(<pod>.<headless>.<namespace>.svc.<domain>): what each pod announces, so a pod rescheduled
elsewhere, with another IP, is the same replica to the primary and the same peer to the
Sentinels.
*/}}
{{- define "valkey.podHosts" -}}
{{- $s := .Values.sentinel }}
{{- include "valkey.sentinelHosts" (dict "service" (include "valkey.fullname" .) "replicas" $s.replicas "clusterDomain" $s.clusterDomain "context" .) | fromYamlArray | join " " }}
{{- end }}

{{/*
valkey.sentinelQuorum is sentinel.quorum, or a majority of the Sentinels when it is 0.
*/}}
{{- define "valkey.sentinelQuorum" -}}
{{- .Values.sentinel.quorum | int | default (add1 (div (int .Values.sentinel.replicas) 2)) }}
{{- end }}

{{/*
valkey.sentinelConfig is the part of sentinel.conf every pod shares; the init container adds
the pod's own name, the password and the primary to monitor (valkey.initScript).
Sentinel rewrites its file as the topology changes, so it runs from a copy in /run/valkey.
Hostnames (resolve-hostnames, announce-hostnames: Redis 6.2 / Valkey 7.2 and later) keep a
pod's identity across rescheduling, where its IP changes. Every directive written here and by
valkey.initScript (sentinel resolve-hostnames, announce-hostnames, announce-ip, auth-pass,
down-after-milliseconds, failover-timeout, monitor; replica-announce-ip, masterauth) is read by
valkey-io/valkey's src/sentinel.c and documented in its sentinel.conf and valkey.conf at 8.0.1,
the newest tag the stored mirror has (the image is 8.1.1, a patch release on 8.1; the component
test runs them on Debian's Redis 7.0).
*/}}
{{- define "valkey.sentinelConfig" -}}
bind * -::*
port {{ .Values.sentinel.port }}
dir /run/valkey
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
{{- end }}

{{/*
valkey.initScript writes /run/valkey/auth.conf (the password, never in the ConfigMap nor on a
command line) and, with Sentinel, replication.conf and sentinel.conf. The primary is whom the
other pods' Sentinels name (get-master-addr-by-name, accepted only when it is one of the pods),
or the first pod when no Sentinel answers yet: a fresh install. A pod coming back after a
failover so rejoins as a replica of the new primary instead of starting as a second primary.
*/}}
{{- define "valkey.initScript" -}}
{{- if not .Values.sentinel.enabled -}}
umask 077 && printf 'requirepass "%s"\n' "$VALKEY_PASSWORD" > /run/valkey/auth.conf
{{- else -}}
{{- $master := .Values.sentinel.masterName -}}
set -eu
umask 077
printf 'requirepass "%s"\nmasterauth "%s"\n' "$VALKEY_PASSWORD" "$VALKEY_PASSWORD" > /run/valkey/auth.conf
hosts="{{ include "valkey.podHosts" . }}"
ordinal="${POD_NAME##*-}"
self="$(echo "$hosts" | tr ' ' '\n' | sed -n "$((ordinal + 1))p")"
[ -n "$self" ] || { echo "pod $POD_NAME is not one of the $(echo "$hosts" | wc -w) pods of sentinel.replicas" >&2; exit 1; }
primary=""
for host in $hosts; do
  [ "$host" = "$self" ] && continue
  answer="$(timeout 5 valkey-cli -h "$host" -p {{ .Values.sentinel.port }} --raw sentinel get-master-addr-by-name {{ $master }} 2>/dev/null | head -n 1)" || true
  case " $hosts " in
    *" $answer "*) primary="$answer"; break ;;
  esac
done
[ -n "$primary" ] || primary="${hosts%% *}"
echo "$self: primary is $primary"
{
  printf 'replica-announce-ip %s\n' "$self"
  [ "$primary" = "$self" ] || printf 'replicaof %s 6379\n' "$primary"
} > /run/valkey/replication.conf
{
  cat /etc/valkey/sentinel.conf
  printf '\nsentinel announce-ip %s\n' "$self"
  printf 'requirepass "%s"\n' "$VALKEY_PASSWORD"
  printf 'sentinel monitor {{ $master }} %s 6379 {{ include "valkey.sentinelQuorum" . }}\n' "$primary"
  printf 'sentinel auth-pass {{ $master }} "%s"\n' "$VALKEY_PASSWORD"
  printf 'sentinel down-after-milliseconds {{ $master }} {{ int .Values.sentinel.downAfterMilliseconds }}\n'
  printf 'sentinel failover-timeout {{ $master }} {{ int .Values.sentinel.failoverTimeout }}\n'
  printf 'sentinel parallel-syncs {{ $master }} 1\n'
} > /run/valkey/sentinel.conf
{{- end }}
{{- end }}
