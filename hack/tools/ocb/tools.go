//go:build tools

// Package tools pins the OpenTelemetry Collector Builder (ocb) for `make tools`;
// hack/build-otelcol.sh builds it from this module and runs it on hack/tools/otelcol/manifest.yaml.
package tools

import _ "go.opentelemetry.io/collector/cmd/builder"
