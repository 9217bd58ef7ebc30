//go:build tools

// Package tools pins Prometheus and promtool for `make tools`; hack/build-go-tool.sh builds both
// from this module, stamped with the release version (v0.316.0 is Prometheus v3.16.0).
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
