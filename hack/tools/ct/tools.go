//go:build tools

// Package tools pins github.com/helm/chart-testing/v3/ct for `make tools`; the Makefile builds it from this module.
package tools

import _ "github.com/helm/chart-testing/v3/ct"
