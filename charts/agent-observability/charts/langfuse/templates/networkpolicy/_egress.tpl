{{/*
langfuse.egressRules are the only connections LangFuse's pods open: DNS, its four data
stores on their ports, and HTTPS (AWS S3, LLM providers for playground and evaluations).
The stores' addresses may be external, so the rules name ports, not peers. Then the user's
extra egress (networkPolicy.extraEgressPorts, extraEgress); mail and sign-in have policies of
their own (mail.yaml, sign-in.yaml).
*/}}
{{- define "langfuse.egressRules" -}}
{{- $stores := include "langfuse.stores" . | fromYaml }}
{{- $ports := list (int $stores.database.port) (int $stores.clickhouse.httpPort) (int $stores.clickhouse.nativePort) (int $stores.redis.port) 443 }}
{{- if $stores.database.directHost }}
{{- $ports = append $ports (int $stores.database.directPort) }}
{{- end }}
{{- with include "langfuse.tpl" (dict "value" $stores.s3.endpoint "context" .) }}
{{- $port := regexFind ":[0-9]+$" (urlParse .).host | trimPrefix ":" }}
{{- if $port }}
{{- $ports = append $ports (int $port) }}
{{- end }}
{{- end -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- ports:
    {{- range $ports | uniq }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- with include "langfuse.extraEgress" . | fromYamlArray }}
{{ toYaml . }}
{{- end }}
{{- end }}
