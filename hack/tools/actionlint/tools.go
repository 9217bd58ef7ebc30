//go:build tools

// Package tools pins github.com/rhysd/actionlint/cmd/actionlint for `make tools`; the Makefile builds it from this module.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
