// Pins the CloudNativePG operator and its Barman Cloud plugin, whose CRD manifests (Cluster,
// ScheduledBackup; ObjectStore) validate the postgres chart's CloudNativePG objects offline.
// Nothing is built: the modules are only downloaded, checksum-verified by go.sum;
// hack/fetch-crds.sh copies the CRDs into ./bin/crds. The proxy serves these
// modules by exact version only; v1.30.0 is the newest operator release it has, v0.14.0 the
// newest plugin release.
module agent-observability/hack/tools/cloudnative-pg

go 1.26.4

require (
	github.com/cloudnative-pg/cloudnative-pg v1.30.0
	github.com/cloudnative-pg/plugin-barman-cloud v0.14.0
)
