//go:build tools

// Package tools pins the Dex OpenID Connect provider that the sign-in component test starts on
// loopback, with LangFuse's and Grafana's clients registered from the chart's rendered values.
// Dex's module path has no /v2 suffix, so its v2 tags cannot be required by tag: go.mod names
// the commit of tag v2.45.1 as a pseudo-version.
package tools

import _ "github.com/dexidp/dex/cmd/dex"
