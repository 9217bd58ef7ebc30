//go:build tools

// Package tools pins the etcd server that `make tools` builds for the local KWOK cluster.
// (Its own go.mod has replace lines, so `go install` refuses it; this module does not.)
package tools

import _ "go.etcd.io/etcd/server/v3"
