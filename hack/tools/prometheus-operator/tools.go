//go:build tools

// Package tools pins the Prometheus Operator for `make tools`, which needs only its CRD
// manifests (ServiceMonitor, PodMonitor, PrometheusRule, AlertmanagerConfig) to validate the
// chart's objects offline: hack/fetch-crds.sh copies them out of the module,
// checksum-verified by go.sum. The imported package is the one that embeds those manifests; nothing is built.
package tools

import _ "github.com/prometheus-operator/prometheus-operator/example"
