{{/*
langfuse.ssoProviders are the single sign-on providers LangFuse v4.16.0 offers, keyed as
auth.providers names them (YAML): the provider's id (its callback is /api/auth/callback/<id>),
the prefix of its variables (AUTH_<prefix>_*), the settings it needs besides clientId and the
client secret, and each setting it takes with the variable it becomes. From web/src/server/auth.ts
(the `if (env.AUTH_<prefix>_...)` that adds each provider, and what it passes on), web/src/env.mjs
(the variables) and packages/shared/src/server/auth/ (the ids of custom, github-enterprise and
jumpcloud; the others are next-auth's own). ClickHouse Cloud's provider is left out: LangFuse
Cloud only (it needs NEXT_PUBLIC_LANGFUSE_CLOUD_REGION).
*/}}
{{- define "langfuse.ssoProviders" -}}
{{- $oauth := dict "clientId" "CLIENT_ID" "allowAccountLinking" "ALLOW_ACCOUNT_LINKING" "clientAuthMethod" "CLIENT_AUTH_METHOD" "checks" "CHECKS" }}
{{- $oidc := merge (dict "idTokenSignedResponseAlg" "ID_TOKEN_SIGNED_RESPONSE_ALG") $oauth }}
{{- $issuer := merge (dict "issuer" "ISSUER") $oidc }}
{{- toYaml (dict
  "google" (dict "id" "google" "prefix" "GOOGLE" "requires" list "settings" (merge (dict "allowedDomains" "ALLOWED_DOMAINS") $oidc))
  "github" (dict "id" "github" "prefix" "GITHUB" "requires" list "settings" $oauth)
  "githubEnterprise" (dict "id" "github-enterprise" "prefix" "GITHUB_ENTERPRISE" "requires" (list "baseUrl") "settings" (merge (dict "baseUrl" "BASE_URL") $oauth))
  "gitlab" (dict "id" "gitlab" "prefix" "GITLAB" "requires" list "settings" (merge (dict "url" "URL" "issuer" "ISSUER") $oidc))
  "azureAd" (dict "id" "azure-ad" "prefix" "AZURE_AD" "requires" (list "tenantId") "settings" (merge (dict "tenantId" "TENANT_ID") $oidc))
  "okta" (dict "id" "okta" "prefix" "OKTA" "requires" (list "issuer") "settings" $issuer)
  "authentik" (dict "id" "authentik" "prefix" "AUTHENTIK" "requires" (list "issuer") "settings" (merge (dict "authorizationUrl" "AUTHORIZATION_URL") $issuer))
  "onelogin" (dict "id" "onelogin" "prefix" "ONELOGIN" "requires" (list "issuer") "settings" $issuer)
  "auth0" (dict "id" "auth0" "prefix" "AUTH0" "requires" (list "issuer") "settings" $issuer)
  "cognito" (dict "id" "cognito" "prefix" "COGNITO" "requires" (list "issuer") "settings" $issuer)
  "keycloak" (dict "id" "keycloak" "prefix" "KEYCLOAK" "requires" (list "issuer") "settings" (merge (dict "name" "NAME" "scope" "SCOPE") $issuer))
  "jumpcloud" (dict "id" "jumpcloud" "prefix" "JUMPCLOUD" "requires" (list "issuer") "settings" (merge (dict "scope" "SCOPE") $issuer))
  "workos" (dict "id" "workos" "prefix" "WORKOS" "requires" list "settings" (dict "clientId" "CLIENT_ID" "allowAccountLinking" "ALLOW_ACCOUNT_LINKING" "organizationId" "ORGANIZATION_ID" "connectionId" "CONNECTION_ID"))
  "wordpress" (dict "id" "wordpress" "prefix" "WORDPRESS" "requires" list "settings" $oidc)
  "custom" (dict "id" "custom" "prefix" "CUSTOM" "requires" (list "issuer" "name") "settings" (merge (dict "name" "NAME" "scope" "SCOPE") $issuer))
) }}
{{- end }}

{{/*
langfuse.authEnv is the sign-in environment of the web container only (the worker and the
migration Job never sign anybody in): each provider of auth.providers (AUTH_<prefix>_*, the
client secret by secretKeyRef from the user's Secret), password sign-in, SSO enforcement and
the session's lifetime. Nothing when auth is left at its defaults.
*/}}
{{- define "langfuse.authEnv" -}}
{{- $auth := .Values.auth }}
{{- $known := include "langfuse.ssoProviders" . | fromYaml }}
{{- $env := list }}
{{- range $key, $provider := $auth.providers }}
{{- $spec := get $known $key }}
{{- range $setting, $suffix := $spec.settings }}
{{- if hasKey $provider $setting }}
{{- $value := get $provider $setting }}
{{- if kindIs "slice" $value }}
{{- $value = join "," $value }}
{{- end }}
{{- $env = append $env (dict "name" (printf "AUTH_%s_%s" $spec.prefix $suffix) "value" (toString $value)) }}
{{- end }}
{{- end }}
{{- $env = append $env (dict "name" (printf "AUTH_%s_CLIENT_SECRET" $spec.prefix) "valueFrom" (dict "secretKeyRef" (dict
    "name" (include "langfuse.tpl" (dict "value" $provider.existingSecret "context" $))
    "key" ($provider.clientSecretKey | default "client-secret")))) }}
{{- end }}
{{- if $auth.disableUsernamePassword }}
{{- $env = append $env (dict "name" "AUTH_DISABLE_USERNAME_PASSWORD" "value" "true") }}
{{- end }}
{{- with $auth.ssoEnforcedDomains }}
{{- $env = append $env (dict "name" "AUTH_DOMAINS_WITH_SSO_ENFORCEMENT" "value" (join "," .)) }}
{{- end }}
{{- with $auth.sessionMaxAgeMinutes }}
{{- $env = append $env (dict "name" "AUTH_SESSION_MAX_AGE" "value" (toString (int .))) }}
{{- end }}
{{- with $auth.ssoTimeoutSeconds }}
{{- /* In milliseconds: openid-client's httpOptions.timeout (patches/next-auth@4.24.15.patch, v4.16.0). */}}
{{- $env = append $env (dict "name" "AUTH_SSO_TIMEOUT" "value" (toString (mul (int .) 1000))) }}
{{- end }}
{{- with $env }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
langfuse.smtpPasswordVariable names the variable that holds global.smtp's password in web and
worker for Kubernetes to put into SMTP_CONNECTION_URL ($(VAR) expansion); LangFuse never reads it.
*/}}
{{- define "langfuse.smtpPasswordVariable" -}}
AGENT_OBSERVABILITY_SMTP_PASSWORD
{{- end }}

{{/*
langfuse.mailEnv is the mail environment of web and worker (both send mail: web invitations
and password resets, the worker finished exports and comment mentions), never of the migration
Job: EMAIL_FROM_ADDRESS and SMTP_CONNECTION_URL, the URL either whole from email.existingSecret
or composed from global.smtp in nodemailer's form (packages/shared/src/server/services/email/
transport.ts hands it to nodemailer's parseConnectionUrl: smtps:// for TLS from the first byte,
smtp:// with ?requireTLS=true for STARTTLS, ?ignoreTLS=true for none), the password by
reference: a secretKeyRef variable that Kubernetes expands into the URL, so no password is
rendered. Nothing without mail settings.
*/}}
{{- define "langfuse.mailEnv" -}}
{{- $smtp := include "langfuse.smtp" . | fromYaml }}
{{- $email := .Values.email }}
{{- $env := list }}
{{- with $email.existingSecret }}
{{- $env = append $env (dict "name" "SMTP_CONNECTION_URL" "valueFrom" (dict "secretKeyRef" (dict "name" (include "langfuse.tpl" (dict "value" . "context" $)) "key" $email.connectionUrlKey))) }}
{{- else }}
{{- if $smtp }}
{{- $credentials := "" }}
{{- if $smtp.username }}
{{- $password := include "langfuse.smtpPasswordVariable" . }}
{{- $env = append $env (dict "name" $password "valueFrom" (dict "secretKeyRef" (dict "name" $smtp.existingSecret "key" $smtp.passwordKey))) }}
{{- $credentials = printf "%s:$(%s)@" (urlquery $smtp.username) $password }}
{{- end }}
{{- $query := get (dict "starttls" "?requireTLS=true" "tls" "" "none" "?ignoreTLS=true") $smtp.tls }}
{{- $env = append $env (dict "name" "SMTP_CONNECTION_URL" "value" (printf "%s://%s%s:%d%s" (ternary "smtps" "smtp" (eq $smtp.tls "tls")) $credentials $smtp.host (int $smtp.port) $query)) }}
{{- end }}
{{- end }}
{{- with $env }}
{{- $env = append $env (dict "name" "EMAIL_FROM_ADDRESS" "value" (default $smtp.from $email.fromAddress)) }}
{{- toYaml $env }}
{{- end }}
{{- end }}

{{/*
langfuse.mailPort is the TCP port LangFuse sends mail to (global.smtp.port), or nothing
when the URL comes whole from a Secret (its port is not known here: networkPolicy.extraEgressPorts)
or there is no mail server.
*/}}
{{- define "langfuse.mailPort" -}}
{{- $smtp := include "langfuse.smtp" . | fromYaml }}
{{- if and $smtp (not .Values.email.existingSecret) }}{{ $smtp.port }}{{ end }}
{{- end }}

{{/*
langfuse.ssoEgressPorts are the TCP ports web connects to for its sign-in providers (YAML list):
443 is open to every LangFuse pod already, so only an issuer, base URL, GitLab URL or
authorization URL on another port adds its port (a Keycloak or Dex on 8443, say).
*/}}
{{- define "langfuse.ssoEgressPorts" -}}
{{- $ports := list }}
{{- range $key, $provider := .Values.auth.providers }}
{{- range $setting := list "issuer" "baseUrl" "url" "authorizationUrl" }}
{{- with get $provider $setting }}
{{- $url := urlParse . }}
{{- $port := (splitList ":" $url.host | rest | first) | default (ternary "443" "80" (eq $url.scheme "https")) | int }}
{{- if ne $port 443 }}
{{- $ports = append $ports $port }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml ($ports | uniq) }}
{{- end }}
