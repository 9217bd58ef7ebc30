{{/*
monitoring.alertmanagerEnabled is "true" when the embedded Alertmanager runs: alertmanager.enabled,
or, while that is null, prometheus.enabled (it runs wherever the embedded Prometheus does);
empty otherwise.
*/}}
{{- define "monitoring.alertmanagerEnabled" -}}
{{- $enabled := .Values.alertmanager.enabled }}
{{- if kindIs "invalid" $enabled }}
{{- if .Values.prometheus.enabled }}true{{ end }}
{{- else if $enabled }}true{{ end }}
{{- end }}

{{/*
monitoring.alertmanagerPeers are the embedded Alertmanager's pods by their stable DNS names
behind the headless Service, "<release>-alertmanager-<i>.<release>-alertmanager-headless.<namespace>.svc"
(YAML list, one per replica): Prometheus sends every alert to each, and each gossips with the
others.
*/}}
{{- define "monitoring.alertmanagerPeers" -}}
{{- $name := include "monitoring.componentName" (dict "context" . "component" "alertmanager") }}
{{- $headless := include "monitoring.componentName" (dict "context" . "component" "alertmanager-headless") }}
{{- $peers := list }}
{{- range $i := until (int .Values.alertmanager.replicas) }}
{{- $peers = append $peers (printf "%s-%d.%s.%s.svc" $name $i $headless $.Release.Namespace) }}
{{- end }}
{{- toYaml $peers }}
{{- end }}

{{/*
monitoring.alertmanagerWebPort is the port the Alertmanager container serves its API on, which
the headless Service and Prometheus (each replica by name) connect to.
*/}}
{{- define "monitoring.alertmanagerWebPort" -}}
9093
{{- end }}

{{/*
monitoring.alertmanagerUrl is the URL of the embedded Alertmanager's Service (Grafana's
Alertmanager datasource).
*/}}
{{- define "monitoring.alertmanagerUrl" -}}
{{- printf "http://%s.%s.svc:%v" (include "monitoring.componentName" (dict "context" . "component" "alertmanager")) .Release.Namespace .Values.alertmanager.service.port }}
{{- end }}

{{/*
monitoring.alertmanagerReceiverKinds maps each receiver kind of alertmanager.receivers to the
setting that names its credential's Secret and the Alertmanager (v0.35.0) setting that reads the
credential from a file: notify/slack/config.go api_url_file, notify/email/config.go
auth_password_file, notify/pagerduty/config.go routing_key_file, notify/msteamsv2/config.go
webhook_url_file, notify/webhook/config.go url_file; the receiver's list in config/config.go
(slack_configs, ...), and the Prometheus Operator v0.94.0 AlertmanagerConfig's (slackConfigs,
...) with its field for the Secret.
*/}}
{{- define "monitoring.alertmanagerReceiverKinds" -}}
slack: {secret: apiUrlSecret, file: api_url_file, configs: slack_configs, operatorConfigs: slackConfigs, operatorSecret: apiURL, required: true}
email: {secret: authPasswordSecret, file: auth_password_file, configs: email_configs, operatorConfigs: emailConfigs, operatorSecret: authPassword, required: false}
pagerduty: {secret: routingKeySecret, file: routing_key_file, configs: pagerduty_configs, operatorConfigs: pagerdutyConfigs, operatorSecret: routingKey, required: true}
teams: {secret: webhookUrlSecret, file: webhook_url_file, configs: msteamsv2_configs, operatorConfigs: msteamsv2Configs, operatorSecret: webhookURL, required: true}
webhook: {secret: urlSecret, file: url_file, configs: webhook_configs, operatorConfigs: webhookConfigs, operatorSecret: urlSecret, required: true}
{{- end }}

{{/*
monitoring.alertmanagerReceivers are alertmanager.receivers (YAML list) with every email
receiver completed from the release's mail server, global.smtp (monitoring.smtp), named once
in agent-observability for LangFuse and Alertmanager alike: a receiver without a smarthost
takes global.smtp's host and port, its login and password Secret, its TLS mode (starttls:
require_tls; tls: force_implicit_tls, Alertmanager v0.35.0 notify/email/config.go; none: neither)
and, without a from of its own, its sender. So `email: {to: oncall@example.com}` is a whole
receiver once global.smtp is set. Every reader of the receivers reads them here.
*/}}
{{- define "monitoring.alertmanagerReceivers" -}}
{{- $smtp := include "monitoring.smtp" . | fromYaml }}
{{- $receivers := list }}
{{- range $receiver := .Values.alertmanager.receivers }}
{{- $receiver = deepCopy $receiver }}
{{- with $receiver.email }}
{{- if and $smtp (not .smarthost) }}
{{- $_ := set . "smarthost" (printf "%s:%d" $smtp.host (int $smtp.port)) }}
{{- if and $smtp.username (not .authUsername) }}
{{- $_ := set . "authUsername" $smtp.username }}
{{- $_ := set . "authPasswordSecret" (dict "name" $smtp.existingSecret "key" $smtp.passwordKey) }}
{{- end }}
{{- if not (hasKey . "requireTls") }}
{{- $_ := set . "requireTls" (eq $smtp.tls "starttls") }}
{{- end }}
{{- if eq $smtp.tls "tls" }}
{{- $_ := set . "forceImplicitTls" true }}
{{- end }}
{{- end }}
{{- if and $smtp (not .from) }}
{{- $_ := set . "from" $smtp.from }}
{{- end }}
{{- end }}
{{- $receivers = append $receivers $receiver }}
{{- end }}
{{- toYaml $receivers }}
{{- end }}

{{/*
monitoring.alertmanagerSecretPath is where the embedded Alertmanager reads one key of a
receiver's Secret: /etc/alertmanager/secrets/<Secret>/<key>, the Secret mounted read-only.
Usage: {{ include "monitoring.alertmanagerSecretPath" (dict "secret" .apiUrlSecret "context" $) }}
*/}}
{{- define "monitoring.alertmanagerSecretPath" -}}
{{- $selector := include "monitoring.alertmanagerSecretSelector" . | fromYaml }}
{{- printf "/etc/alertmanager/secrets/%s/%s" $selector.name $selector.key }}
{{- end }}

{{/*
monitoring.alertmanagerSecretSelector is one receiver's Secret as {name, key} (YAML, the name
templated): an AlertmanagerConfig's SecretKeySelector. A Secret not set, or set without its name
or key, gives empty strings (validate.yaml refuses it).
Usage: {{ include "monitoring.alertmanagerSecretSelector" (dict "secret" .apiUrlSecret "context" $) }}
*/}}
{{- define "monitoring.alertmanagerSecretSelector" -}}
{{- $secret := .secret | default dict }}
{{- toYaml (dict "name" (include "monitoring.tpl" (dict "value" ($secret.name | default "") "context" .context)) "key" (toString ($secret.key | default ""))) }}
{{- end }}

{{/*
monitoring.alertmanagerSecrets are the Secrets the receivers read (YAML list of {name, keys},
sorted by name, each key once), which the embedded Alertmanager mounts.
*/}}
{{- define "monitoring.alertmanagerSecrets" -}}
{{- $kinds := include "monitoring.alertmanagerReceiverKinds" . | fromYaml }}
{{- $secrets := dict }}
{{- range $receiver := include "monitoring.alertmanagerReceivers" . | fromYamlArray }}
{{- range $kind, $spec := $kinds }}
{{- with get (get $receiver $kind | default dict) $spec.secret }}
{{- $selector := include "monitoring.alertmanagerSecretSelector" (dict "secret" . "context" $) | fromYaml }}
{{- $_ := set $secrets $selector.name (append (get $secrets $selector.name | default list) $selector.key | uniq | sortAlpha) }}
{{- end }}
{{- end }}
{{- end }}
{{- $list := list }}
{{- range $name := keys $secrets | sortAlpha }}
{{- $list = append $list (dict "name" $name "keys" (get $secrets $name)) }}
{{- end }}
{{- toYaml $list }}
{{- end }}

{{/*
monitoring.alertmanagerTexts are the notification texts (YAML map name: Go template), one per
file of files/alertmanager/: title (Slack, Teams, email subject), slack.text, teams.text,
email.text, email.html, pagerduty.description. The embedded Alertmanager loads them as
templates named agent_observability.<name> (monitoring.alertmanagerTemplates); an
AlertmanagerConfig carries them written out.
*/}}
{{- define "monitoring.alertmanagerTexts" -}}
{{- $texts := dict }}
{{- range $path, $_ := .Files.Glob "files/alertmanager/*.tmpl" }}
{{- $_ := set $texts (base $path | trimSuffix ".tmpl") ($.Files.Get $path | trim) }}
{{- end }}
{{- toYaml $texts }}
{{- end }}

{{/*
monitoring.alertmanagerTemplates is the embedded Alertmanager's templates file: each text of
monitoring.alertmanagerTexts defined as agent_observability.<name>.
*/}}
{{- define "monitoring.alertmanagerTemplates" -}}
{{- $texts := include "monitoring.alertmanagerTexts" . | fromYaml }}
{{- "{{/* The notification texts of agent-observability's monitoring chart (files/alertmanager/). */}}" }}
{{- range $name := keys $texts | sortAlpha }}
{{ printf "{{ define %q }}" (printf "agent_observability.%s" $name) }}{{ get $texts $name }}{{ "{{ end }}" }}
{{- end }}
{{- end }}

{{/*
monitoring.alertmanagerText is the setting that shows one notification text: in the embedded
Alertmanager's config a reference to the template, in an AlertmanagerConfig the text itself.
Usage: {{ include "monitoring.alertmanagerText" (dict "name" "slack.text" "inline" false "context" $) }}
*/}}
{{- define "monitoring.alertmanagerText" -}}
{{- if .inline }}
{{- get (include "monitoring.alertmanagerTexts" .context | fromYaml) .name }}
{{- else }}
{{- printf "{{ template %q . }}" (printf "agent_observability.%s" .name) }}
{{- end }}
{{- end }}

{{/*
monitoring.alertmanagerMatcher parses one matcher in Alertmanager's syntax (label="value", with
=, !=, =~ or !~; the value in double quotes, or bare without spaces, quotes or commas) into
{name, matchType, value} (YAML), as an AlertmanagerConfig writes it (without matchType for
=, its default); empty for anything else (validate.yaml refuses it).
Usage: {{ include "monitoring.alertmanagerMatcher" "severity=\"critical\"" }}
*/}}
{{- define "monitoring.alertmanagerMatcher" -}}
{{- $pattern := `^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^\s",{}]*)\s*$` }}
{{- $matcher := toString . }}
{{- if regexMatch $pattern $matcher }}
{{- $value := regexReplaceAll $pattern $matcher "${3}" }}
{{- if hasPrefix "\"" $value }}
{{- $value = $value | trimPrefix "\"" | trimSuffix "\"" | replace "\\\"" "\"" | replace "\\\\" "\\" }}
{{- end }}
{{- $parsed := dict "name" (regexReplaceAll $pattern $matcher "${1}") "value" $value }}
{{- $matchType := regexReplaceAll $pattern $matcher "${2}" }}
{{- /* Equality is the default: a bare `=` would read as YAML 1.1's value tag to some parsers. */}}
{{- if ne $matchType "=" }}
{{- $_ := set $parsed "matchType" $matchType }}
{{- end }}
{{- toYaml $parsed }}
{{- end }}
{{- end }}

{{/*
monitoring.alertmanagerRoutes is the routing tree under the top route (YAML list), in the
embedded Alertmanager's form or (operator) an AlertmanagerConfig's. A route of alertmanager.routes
that names one receiver becomes one route; one that names several becomes a route with the
matchers and one child per receiver, each but the last with `continue: true`: every receiver
gets its own notifications (and its own entry in the notification log), and the parent stops
the alert at this route as a single-receiver route would, unless the user's `continue` says
otherwise.
Usage: {{ include "monitoring.alertmanagerRoutes" (dict "operator" false "context" $) }}
*/}}
{{- define "monitoring.alertmanagerRoutes" -}}
{{- $operator := .operator }}
{{- $routes := list }}
{{- range $route := .context.Values.alertmanager.routes }}
{{- /* A route without receivers renders empty; validate.yaml refuses it. */}}
{{- $receivers := $route.receivers | default list }}
{{- $matchers := list }}
{{- range $matcher := $route.matchers }}
{{- if $operator }}
{{- $matchers = append $matchers (include "monitoring.alertmanagerMatcher" $matcher | fromYaml) }}
{{- else }}
{{- $matchers = append $matchers $matcher }}
{{- end }}
{{- end }}
{{- $out := dict "matchers" $matchers }}
{{- range $key, $name := dict "groupBy" "group_by" "groupWait" "group_wait" "groupInterval" "group_interval" "repeatInterval" "repeat_interval" }}
{{- if hasKey $route $key }}
{{- $_ := set $out (ternary $key $name $operator) (get $route $key) }}
{{- end }}
{{- end }}
{{- if $route.continue }}
{{- $_ := set $out "continue" true }}
{{- end }}
{{- if eq (len $receivers) 1 }}
{{- $_ := set $out "receiver" (first $receivers) }}
{{- else }}
{{- $children := list }}
{{- range $r, $receiver := $receivers }}
{{- $child := dict "receiver" $receiver }}
{{- if lt (add1 $r) (len $receivers) }}
{{- $_ := set $child "continue" true }}
{{- end }}
{{- $children = append $children $child }}
{{- end }}
{{- $_ := set $out "routes" $children }}
{{- end }}
{{- $routes = append $routes $out }}
{{- end }}
{{- toYaml $routes }}
{{- end }}

{{/*
monitoring.alertmanagerDefaultReceiver is the receiver of the top route: alertmanager.route.receiver,
or "null", a receiver that sends nothing.
*/}}
{{- define "monitoring.alertmanagerDefaultReceiver" -}}
{{- .Values.alertmanager.route.receiver | default "null" }}
{{- end }}

{{/*
monitoring.alertmanagerPagerdutyDetails are the custom details of a PagerDuty event (YAML map):
what the incident is about, from the group's first alert.
*/}}
{{- define "monitoring.alertmanagerPagerdutyDetails" -}}
summary: {{ `{{ (index .Alerts 0).Annotations.summary }}` | quote }}
description: {{ `{{ (index .Alerts 0).Annotations.description }}` | quote }}
tenant: {{ `{{ .CommonLabels.tenant_id }}` | quote }}
alertname: {{ `{{ .CommonLabels.alertname }}` | quote }}
release: {{ `{{ .CommonLabels.namespace }}/{{ .CommonLabels.release }}` | quote }}
runbook_url: {{ `{{ (index .Alerts 0).Annotations.runbook_url }}` | quote }}
dashboard_url: {{ `{{ (index .Alerts 0).Annotations.dashboard_url }}` | quote }}
{{- end }}

{{/*
monitoring.alertmanagerPagerdutySeverity maps the alert's severity to a PagerDuty Events v2
severity (critical, error, warning, info).
*/}}
{{- define "monitoring.alertmanagerPagerdutySeverity" -}}
{{ `{{ if eq .CommonLabels.severity "critical" }}critical{{ else if eq .CommonLabels.severity "warning" }}warning{{ else }}info{{ end }}` }}
{{- end }}

{{/*
monitoring.alertmanagerConfig is the embedded Alertmanager's configuration (YAML), built as one
dict: the receivers of alertmanager.receivers (credentials read from the mounted Secrets'
files), the "null" receiver when the top route has no receiver of its own, the top route with
alertmanager.route's grouping and timings, the routes, the inhibit rules, and the templates file.
*/}}
{{- define "monitoring.alertmanagerConfig" -}}
{{- $am := .Values.alertmanager }}
{{- $kinds := include "monitoring.alertmanagerReceiverKinds" . | fromYaml }}
{{- $text := dict "inline" false "context" . }}
{{- $receivers := list }}
{{- if not $am.route.receiver }}
{{- $receivers = append $receivers (dict "name" "null") }}
{{- end }}
{{- range include "monitoring.alertmanagerReceivers" $ | fromYamlArray }}
{{- $receiver := dict "name" .name }}
{{- with .slack }}
{{- $config := dict "api_url_file" (include "monitoring.alertmanagerSecretPath" (dict "secret" .apiUrlSecret "context" $))
    "send_resolved" (ne .sendResolved false)
    "title" (include "monitoring.alertmanagerText" (set $text "name" "title"))
    "text" (include "monitoring.alertmanagerText" (set $text "name" "slack.text")) }}
{{- with .channel }}
{{- $_ := set $config "channel" . }}
{{- end }}
{{- $_ := set $receiver "slack_configs" (list $config) }}
{{- end }}
{{- with .email }}
{{- $config := dict "to" .to "from" .from "smarthost" .smarthost
    "require_tls" (ne .requireTls false)
    "send_resolved" (ne .sendResolved false)
    "headers" (dict "Subject" (include "monitoring.alertmanagerText" (set $text "name" "title")))
    "html" (include "monitoring.alertmanagerText" (set $text "name" "email.html"))
    "text" (include "monitoring.alertmanagerText" (set $text "name" "email.text")) }}
{{- with .authUsername }}
{{- $_ := set $config "auth_username" . }}
{{- end }}
{{- with .authPasswordSecret }}
{{- $_ := set $config "auth_password_file" (include "monitoring.alertmanagerSecretPath" (dict "secret" . "context" $)) }}
{{- end }}
{{- if .forceImplicitTls }}
{{- $_ := set $config "force_implicit_tls" true }}
{{- end }}
{{- $_ := set $receiver "email_configs" (list $config) }}
{{- end }}
{{- with .pagerduty }}
{{- $config := dict "routing_key_file" (include "monitoring.alertmanagerSecretPath" (dict "secret" .routingKeySecret "context" $))
    "send_resolved" (ne .sendResolved false)
    "description" (include "monitoring.alertmanagerText" (set $text "name" "pagerduty.description"))
    "severity" (include "monitoring.alertmanagerPagerdutySeverity" $)
    "details" (include "monitoring.alertmanagerPagerdutyDetails" $ | fromYaml)
    "links" (list
      (dict "href" `{{ (index .Alerts 0).Annotations.dashboard_url }}` "text" "Dashboard")
      (dict "href" `{{ (index .Alerts 0).Annotations.runbook_url }}` "text" "Runbook")) }}
{{- with .url }}
{{- $_ := set $config "url" . }}
{{- end }}
{{- $_ := set $receiver "pagerduty_configs" (list $config) }}
{{- end }}
{{- with .teams }}
{{- $_ := set $receiver "msteamsv2_configs" (list (dict
    "webhook_url_file" (include "monitoring.alertmanagerSecretPath" (dict "secret" .webhookUrlSecret "context" $))
    "send_resolved" (ne .sendResolved false)
    "title" (include "monitoring.alertmanagerText" (set $text "name" "title"))
    "text" (include "monitoring.alertmanagerText" (set $text "name" "teams.text")))) }}
{{- end }}
{{- with .webhook }}
{{- $_ := set $receiver "webhook_configs" (list (dict
    "url_file" (include "monitoring.alertmanagerSecretPath" (dict "secret" .urlSecret "context" $))
    "send_resolved" (ne .sendResolved false)
    "max_alerts" (int (.maxAlerts | default 0)))) }}
{{- end }}
{{- $receivers = append $receivers $receiver }}
{{- end }}
{{- $inhibit := list }}
{{- range $am.inhibitRules }}
{{- $inhibit = append $inhibit (dict "source_matchers" .sourceMatchers "target_matchers" .targetMatchers "equal" (.equal | default list)) }}
{{- end }}
{{- $route := dict
    "receiver" (include "monitoring.alertmanagerDefaultReceiver" .)
    "group_by" $am.route.groupBy
    "group_wait" $am.route.groupWait
    "group_interval" $am.route.groupInterval
    "repeat_interval" $am.route.repeatInterval }}
{{- with include "monitoring.alertmanagerRoutes" (dict "operator" false "context" .) | fromYamlArray }}
{{- $_ := set $route "routes" . }}
{{- end }}
{{- toYaml (dict
    "route" $route
    "receivers" $receivers
    "inhibit_rules" $inhibit
    "templates" (list "/etc/alertmanager/config/*.tmpl")) }}
{{- end }}

{{/*
monitoring.alertmanagerConfigSpec is the spec of the AlertmanagerConfig
(monitoring.coreos.com/v1alpha1, Prometheus Operator v0.94.0) for an Alertmanager of the
Prometheus Operator: the same receivers, routes and inhibit rules as the embedded
Alertmanager's, credentials as SecretKeySelectors of the same Secrets, texts written out.
*/}}
{{- define "monitoring.alertmanagerConfigSpec" -}}
{{- $am := .Values.alertmanager }}
{{- $text := dict "inline" true "context" . }}
{{- $receivers := list }}
{{- if not $am.route.receiver }}
{{- $receivers = append $receivers (dict "name" "null") }}
{{- end }}
{{- range include "monitoring.alertmanagerReceivers" $ | fromYamlArray }}
{{- $receiver := dict "name" .name }}
{{- with .slack }}
{{- $config := dict "apiURL" (include "monitoring.alertmanagerSecretSelector" (dict "secret" .apiUrlSecret "context" $) | fromYaml)
    "sendResolved" (ne .sendResolved false)
    "title" (include "monitoring.alertmanagerText" (set $text "name" "title"))
    "text" (include "monitoring.alertmanagerText" (set $text "name" "slack.text")) }}
{{- with .channel }}
{{- $_ := set $config "channel" . }}
{{- end }}
{{- $_ := set $receiver "slackConfigs" (list $config) }}
{{- end }}
{{- with .email }}
{{- $config := dict "to" .to "from" .from "smarthost" .smarthost
    "requireTLS" (ne .requireTls false)
    "sendResolved" (ne .sendResolved false)
    "headers" (list (dict "key" "Subject" "value" (include "monitoring.alertmanagerText" (set $text "name" "title"))))
    "html" (include "monitoring.alertmanagerText" (set $text "name" "email.html"))
    "text" (include "monitoring.alertmanagerText" (set $text "name" "email.text")) }}
{{- with .authUsername }}
{{- $_ := set $config "authUsername" . }}
{{- end }}
{{- with .authPasswordSecret }}
{{- $_ := set $config "authPassword" (include "monitoring.alertmanagerSecretSelector" (dict "secret" . "context" $) | fromYaml) }}
{{- end }}
{{- $_ := set $receiver "emailConfigs" (list $config) }}
{{- end }}
{{- with .pagerduty }}
{{- $details := list }}
{{- range $key, $value := include "monitoring.alertmanagerPagerdutyDetails" $ | fromYaml }}
{{- $details = append $details (dict "key" $key "value" $value) }}
{{- end }}
{{- $config := dict "routingKey" (include "monitoring.alertmanagerSecretSelector" (dict "secret" .routingKeySecret "context" $) | fromYaml)
    "sendResolved" (ne .sendResolved false)
    "description" (include "monitoring.alertmanagerText" (set $text "name" "pagerduty.description"))
    "severity" (include "monitoring.alertmanagerPagerdutySeverity" $)
    "details" $details
    "pagerDutyLinkConfigs" (list
      (dict "href" `{{ (index .Alerts 0).Annotations.dashboard_url }}` "alt" "Dashboard")
      (dict "href" `{{ (index .Alerts 0).Annotations.runbook_url }}` "alt" "Runbook")) }}
{{- with .url }}
{{- $_ := set $config "url" . }}
{{- end }}
{{- $_ := set $receiver "pagerdutyConfigs" (list $config) }}
{{- end }}
{{- with .teams }}
{{- $_ := set $receiver "msteamsv2Configs" (list (dict
    "webhookURL" (include "monitoring.alertmanagerSecretSelector" (dict "secret" .webhookUrlSecret "context" $) | fromYaml)
    "sendResolved" (ne .sendResolved false)
    "title" (include "monitoring.alertmanagerText" (set $text "name" "title"))
    "text" (include "monitoring.alertmanagerText" (set $text "name" "teams.text")))) }}
{{- end }}
{{- with .webhook }}
{{- $_ := set $receiver "webhookConfigs" (list (dict
    "urlSecret" (include "monitoring.alertmanagerSecretSelector" (dict "secret" .urlSecret "context" $) | fromYaml)
    "sendResolved" (ne .sendResolved false)
    "maxAlerts" (int (.maxAlerts | default 0)))) }}
{{- end }}
{{- $receivers = append $receivers $receiver }}
{{- end }}
{{- $inhibit := list }}
{{- range $rule := $am.inhibitRules }}
{{- $sides := dict }}
{{- range $side, $key := dict "sourceMatch" "sourceMatchers" "targetMatch" "targetMatchers" }}
{{- $matchers := list }}
{{- range $matcher := get $rule $key }}
{{- $matchers = append $matchers (include "monitoring.alertmanagerMatcher" $matcher | fromYaml) }}
{{- end }}
{{- $_ := set $sides $side $matchers }}
{{- end }}
{{- $inhibit = append $inhibit (merge $sides (dict "equal" ($rule.equal | default list))) }}
{{- end }}
{{- $route := dict
    "receiver" (include "monitoring.alertmanagerDefaultReceiver" .)
    "groupBy" $am.route.groupBy
    "groupWait" $am.route.groupWait
    "groupInterval" $am.route.groupInterval
    "repeatInterval" $am.route.repeatInterval }}
{{- with include "monitoring.alertmanagerRoutes" (dict "operator" true "context" .) | fromYamlArray }}
{{- $_ := set $route "routes" . }}
{{- end }}
{{- toYaml (dict "route" $route "receivers" $receivers "inhibitRules" $inhibit) }}
{{- end }}

{{/*
monitoring.alertmanagerEgressPorts are the ports the embedded Alertmanager may connect to
anywhere, for its receivers (YAML list of integers): networkPolicy.alertmanagerEgressPorts,
every email receiver's smarthost port and a PagerDuty `url`'s port (its scheme's without one).
Empty without receivers.
*/}}
{{- define "monitoring.alertmanagerEgressPorts" -}}
{{- $ports := list }}
{{- with include "monitoring.alertmanagerReceivers" . | fromYamlArray }}
{{- $ports = concat $ports $.Values.networkPolicy.alertmanagerEgressPorts }}
{{- range . }}
{{- with .email }}
{{- $ports = append $ports (splitList ":" (.smarthost | default "" | toString) | last | int) }}
{{- end }}
{{- with (.pagerduty | default dict).url }}
{{- $url := urlParse . }}
{{- $ports = append $ports ((splitList ":" $url.host | rest | first) | default (ternary "443" "80" (eq $url.scheme "https")) | int) }}
{{- end }}
{{- end }}
{{- end }}
{{- $unique := list }}
{{- range $ports }}
{{- if not (has (int .) $unique) }}
{{- $unique = append $unique (int .) }}
{{- end }}
{{- end }}
{{- toYaml $unique }}
{{- end }}
