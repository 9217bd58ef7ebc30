//go:build tools

// Package tools pins sigs.k8s.io/kind for `make tools`; the Makefile builds it from this module.
package tools

import _ "sigs.k8s.io/kind"
