// Pins the KEDA release whose ScaledObject CRD validates the chart's ScaledObject (LangFuse's
// worker scaled on its queue) offline. Nothing is built: the module is only downloaded,
// checksum-verified by go.sum; hack/fetch-crds.sh copies the CRD into ./bin/crds.
// 2.21.0 is the newest release whose go.mod accepts Go 1.26 (2.21.1 requires 1.27.4).
module agent-observability/hack/tools/keda-crds

go 1.26.0

require github.com/kedacore/keda/v2 v2.21.0
