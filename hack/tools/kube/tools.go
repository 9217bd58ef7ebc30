//go:build tools

// Package tools pins the Kubernetes control plane that `make tools` builds for the local
// KWOK cluster (kube-apiserver, kube-controller-manager, kube-scheduler) and kubectl.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
