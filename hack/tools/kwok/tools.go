//go:build tools

// Package tools pins kwok and kwokctl for `make tools`; the Makefile builds them from this module.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
	_ "sigs.k8s.io/kwok/cmd/kwokctl"
)
