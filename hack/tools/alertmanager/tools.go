//go:build tools

// Package tools pins Alertmanager and amtool for `make tools`; hack/build-alertmanager.sh builds
// both from this module, stamped with the module's version (v0.35.0 is the image
// quay.io/prometheus/alertmanager:v0.35.0 the monitoring chart runs).
package tools

import (
	_ "github.com/prometheus/alertmanager/cmd/alertmanager"
	_ "github.com/prometheus/alertmanager/cmd/amtool"
)
