//go:build tools

// Package tools pins the SeaweedFS server (weed) that the component tests run with the
// object-storage chart's command line and S3 configuration.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
