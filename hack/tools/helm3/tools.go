//go:build tools

// Package tools pins helm.sh/helm/v3/cmd/helm for `make tools`; the Makefile builds it from this module.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
