// Pins the Argo CD and Flux releases whose CRD manifests (Application, ApplicationSet,
// HelmRelease, OCIRepository) validate examples/ offline. Nothing is built: the modules are
// only downloaded, checksum-verified by go.sum; hack/fetch-crds.sh copies the CRDs
// into ./bin/gitops-crds. Argo CD 3.5 is the newest release whose go.mod accepts Go 1.26;
// Flux's controllers are those of Flux 2.9.5 (helm-controller 1.6.4, source-controller 1.9.5).
module agent-observability/hack/tools/gitops-crds

go 1.26.0

require (
	github.com/argoproj/argo-cd/v3 v3.5.7
	github.com/fluxcd/helm-controller v1.6.4
	github.com/fluxcd/source-controller v1.9.5
)
