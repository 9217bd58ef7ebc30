# agent-observability — entry points. `make help` lists the targets.
#
# Every tool the tests need is built or installed into this repository (./bin, ./.venv),
# pinned, and rebuilt only when its pin changes, so a second `make tools` is a no-op.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

BIN := $(CURDIR)/bin
VENV := $(CURDIR)/.venv
PYTHON ?= python3
export PATH := $(BIN):$(VENV)/bin:$(PATH)

CHART := charts/agent-observability
SUBCHARTS := $(patsubst %/Chart.yaml,%,$(wildcard $(CHART)/charts/*/Chart.yaml))
# Values files the chart must lint and render with: the shipped ones and chart-testing's.
VALUES_FILES := $(wildcard values/*.yaml) $(wildcard $(CHART)/ci/*-values.yaml)
# The Kubernetes versions the chart supports, oldest and newest, from where each is decided (as
# tests/harness/paths.py reads them): Chart.yaml's kubeVersion, and the control plane the e2e
# tier runs (hack/tools/kube/go.mod).
KUBE_VERSION_OLDEST := $(shell sed -n 's/^kubeVersion: ">=\([0-9]*\.[0-9]*\)\.0-0"$$/\1.0/p' $(CHART)/Chart.yaml)
KUBE_VERSION_NEWEST := $(shell sed -n 's/^require k8s.io\/kubernetes v\([0-9]*\.[0-9]*\)\.[0-9]*$$/\1.0/p' hack/tools/kube/go.mod)

GO_TOOLS := $(BIN)/helm $(BIN)/helm3 $(BIN)/ct $(BIN)/kwok $(BIN)/kwokctl $(BIN)/kind $(BIN)/etcd $(BIN)/kube-apiserver \
	$(BIN)/otelcol $(BIN)/prometheus $(BIN)/promtool $(BIN)/alertmanager $(BIN)/amtool $(BIN)/actionlint $(BIN)/weed $(BIN)/dex
# The Prometheus Operator CRDs the offline schema validation checks monitoring.coreos.com objects against.
CRDS := $(BIN)/crds/monitoring.coreos.com_servicemonitors.yaml $(BIN)/crds/monitoring.coreos.com_podmonitors.yaml \
	$(BIN)/crds/monitoring.coreos.com_prometheusrules.yaml $(BIN)/crds/monitoring.coreos.com_alertmanagerconfigs.yaml
# The CloudNativePG CRDs (and its Barman Cloud plugin's) the postgres chart's CloudNativePG mode is
# validated against, offline and on the e2e tier's API server.
CNPG_CRDS := $(BIN)/crds/postgresql.cnpg.io_clusters.yaml $(BIN)/crds/postgresql.cnpg.io_scheduledbackups.yaml \
	$(BIN)/crds/barmancloud.cnpg.io_objectstores.yaml
# The Argo CD and Flux CRDs the offline validation checks examples/argocd and examples/flux against.
GITOPS_CRDS := $(BIN)/gitops-crds/application-crd.yaml $(BIN)/gitops-crds/applicationset-crd.yaml \
	$(BIN)/gitops-crds/helm.toolkit.fluxcd.io_helmreleases.yaml \
	$(BIN)/gitops-crds/source.toolkit.fluxcd.io_ocirepositories.yaml
# KEDA's ScaledObject CRD the offline validation checks the chart's ScaledObject against.
KEDA_CRDS := $(BIN)/crds/keda.sh_scaledobjects.yaml
PYTEST := $(VENV)/bin/pytest -ra
# One virtual environment per group of instrumentation libraries the component tests run for
# real (their OpenTelemetry pins conflict): tests/component/instrumentations/<name>/requirements.txt.
INSTRUMENTATION_VENVS := $(patsubst tests/component/instrumentations/%/requirements.txt,$(CURDIR)/.venv-instrumentations/%/.installed,\
	$(wildcard tests/component/instrumentations/*/requirements.txt))
# checkov (`make lint-security`) in a virtualenv of its own: its dependencies clash with the tests'.
CHECKOV_VENV := $(CURDIR)/.venv-checkov

##@ Tools

.PHONY: tools
tools: prerequisites $(GO_TOOLS) $(CRDS) $(CNPG_CRDS) $(GITOPS_CRDS) $(KEDA_CRDS) $(VENV)/.installed $(INSTRUMENTATION_VENVS) $(CHECKOV_VENV)/.installed system-packages ioredis dd-trace ## Install every pinned tool the tests need into ./bin, ./.venv, ./.venv-instrumentations, ./.venv-checkov and .cache (ioredis, dd-trace)

.PHONY: prerequisites
prerequisites: ## Check Go, Python with venv and Node.js: one line for each that is missing or too old
	@hack/check-prerequisites.sh

# Nothing is built before the prerequisites are known to be there.
$(GO_TOOLS) $(CRDS) $(CNPG_CRDS) $(GITOPS_CRDS) $(KEDA_CRDS) $(VENV)/.installed $(INSTRUMENTATION_VENVS) $(CHECKOV_VENV)/.installed: | prerequisites

.PHONY: system-packages
system-packages: ## Debian packages the component tests run as servers (Redis, PostgreSQL), when root
	@hack/install-system-packages.sh

.PHONY: ioredis
ioredis: | prerequisites ## The Redis client LangFuse uses (ioredis, LangFuse's pin), for the Sentinel component test
	@hack/install-node-client.sh ioredis

.PHONY: dd-trace
dd-trace: | prerequisites ## LangFuse's DogStatsD client (dd-trace, LangFuse's pin), for the queue metrics component test
	@hack/install-node-client.sh dd-trace

# Each Go tool is rebuilt when its wrapper module (version pin or checksums) changes.
$(BIN)/helm: hack/tools/helm/go.mod hack/tools/helm/go.sum
	@hack/build-go-tool.sh helm helm.sh/helm/v4 helm.sh/helm/v4/cmd/helm helm \
		helm.sh/helm/v4/internal/version.version

# Helm 3 is kept beside Helm 4 to prove the chart renders the same with both.
$(BIN)/helm3: hack/tools/helm3/go.mod hack/tools/helm3/go.sum
	@hack/build-go-tool.sh helm3 helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm helm3 \
		helm.sh/helm/v3/internal/version.version

$(BIN)/ct: hack/tools/ct/go.mod hack/tools/ct/go.sum
	@hack/build-go-tool.sh ct github.com/helm/chart-testing/v3 github.com/helm/chart-testing/v3/ct ct \
		github.com/helm/chart-testing/v3/ct/cmd.Version

$(BIN)/kwok: hack/tools/kwok/go.mod hack/tools/kwok/go.sum
	@hack/build-go-tool.sh kwok sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwok kwok

$(BIN)/kwokctl: hack/tools/kwok/go.mod hack/tools/kwok/go.sum
	@hack/build-go-tool.sh kwok sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwokctl kwokctl

$(BIN)/kind: hack/tools/kind/go.mod hack/tools/kind/go.sum
	@hack/build-go-tool.sh kind sigs.k8s.io/kind sigs.k8s.io/kind kind

# The GitHub workflows' linter (`make lint-workflows`).
$(BIN)/actionlint: hack/tools/actionlint/go.mod hack/tools/actionlint/go.sum
	@hack/build-go-tool.sh actionlint github.com/rhysd/actionlint github.com/rhysd/actionlint/cmd/actionlint actionlint \
		github.com/rhysd/actionlint.version

$(BIN)/etcd: hack/tools/etcd/go.mod hack/tools/etcd/go.sum
	@hack/build-go-tool.sh etcd go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3 etcd

# The control plane the e2e tier runs as processes (KWOK); one build makes all three.
$(BIN)/kube-apiserver: hack/tools/kube/go.mod hack/tools/kube/go.sum
	@hack/build-kube-binaries.sh

# The collector the component tests and the benchmark run: the chart's image version and
# components (manifest.yaml), built with the OpenTelemetry Collector Builder (hack/tools/ocb).
$(BIN)/otelcol: hack/tools/otelcol/manifest.yaml hack/tools/otelcol/go.mod hack/tools/otelcol/go.sum \
		hack/tools/ocb/go.mod hack/tools/ocb/go.sum hack/build-otelcol.sh
	@hack/build-otelcol.sh

# The SeaweedFS server the component tests run with the object-storage chart's command line.
# The module's commit is stamped where SeaweedFS' own build puts it (`weed version` shows it).
$(BIN)/weed: hack/tools/weed/go.mod hack/tools/weed/go.sum
	@hack/build-go-tool.sh weed github.com/seaweedfs/seaweedfs github.com/seaweedfs/seaweedfs/weed weed \
		github.com/seaweedfs/seaweedfs/weed/util/version.COMMIT

# The OpenID Connect provider the sign-in component test registers LangFuse's and Grafana's
# rendered clients with (Dex v2.45.1: its module has no /v2 path, so go.mod names the tag's commit).
$(BIN)/dex: hack/tools/dex/go.mod hack/tools/dex/go.sum
	@hack/build-go-tool.sh dex github.com/dexidp/dex github.com/dexidp/dex/cmd/dex dex

# The Prometheus the component tests run, and its promtool; one build makes both.
$(BIN)/prometheus $(BIN)/promtool &: hack/tools/prometheus/go.mod hack/tools/prometheus/go.sum hack/build-prometheus.sh
	@hack/build-prometheus.sh

# The Alertmanager the component tests run on the monitoring chart's rendered config, and the
# amtool the unit tests check that config with; one build makes both.
$(BIN)/alertmanager $(BIN)/amtool &: hack/tools/alertmanager/go.mod hack/tools/alertmanager/go.sum hack/build-alertmanager.sh
	@hack/build-alertmanager.sh

# Only CRD manifests are taken from these modules (hack/fetch-crds.sh); nothing is built.
PROMETHEUS_OPERATOR := github.com/prometheus-operator/prometheus-operator:example/prometheus-operator-crd
$(CRDS) &: hack/tools/prometheus-operator/go.mod hack/tools/prometheus-operator/go.sum hack/fetch-crds.sh
	@hack/fetch-crds.sh prometheus-operator bin/crds \
		$(foreach crd,$(notdir $(CRDS)),$(PROMETHEUS_OPERATOR)/$(crd))

$(CNPG_CRDS) &: hack/tools/cloudnative-pg/go.mod hack/tools/cloudnative-pg/go.sum hack/fetch-crds.sh
	@hack/fetch-crds.sh cloudnative-pg bin/crds \
		github.com/cloudnative-pg/cloudnative-pg:config/crd/bases/postgresql.cnpg.io_clusters.yaml \
		github.com/cloudnative-pg/cloudnative-pg:config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml \
		github.com/cloudnative-pg/plugin-barman-cloud:config/crd/bases/barmancloud.cnpg.io_objectstores.yaml

# Argo CD's and Flux's, for examples/, kept apart from the chart's own in bin/crds.
$(GITOPS_CRDS) &: hack/tools/gitops-crds/go.mod hack/tools/gitops-crds/go.sum hack/fetch-crds.sh
	@hack/fetch-crds.sh gitops-crds bin/gitops-crds \
		github.com/argoproj/argo-cd/v3:manifests/crds/application-crd.yaml \
		github.com/argoproj/argo-cd/v3:manifests/crds/applicationset-crd.yaml \
		github.com/fluxcd/helm-controller:config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml \
		github.com/fluxcd/source-controller:config/crd/bases/source.toolkit.fluxcd.io_ocirepositories.yaml

$(KEDA_CRDS) &: hack/tools/keda-crds/go.mod hack/tools/keda-crds/go.sum hack/fetch-crds.sh
	@hack/fetch-crds.sh keda-crds bin/crds github.com/kedacore/keda/v2:config/crd/bases/keda.sh_scaledobjects.yaml

$(VENV)/.installed: tests/requirements.txt
	@echo "==> creating the Python environment in .venv from tests/requirements.txt"
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --requirement tests/requirements.txt
	@touch $@
	@echo "    .venv ready"

# Made anew when its lock's content changes (the stamp holds its checksum, so a checkout that
# only touches the file costs nothing), so nothing of an older pin stays behind.
$(CURDIR)/.venv-instrumentations/%/.installed: tests/component/instrumentations/%/requirements.txt
	@if [ "$$(cat $@ 2>/dev/null)" = "$$(sha256sum < $<)" ]; then touch $@; else \
		echo "==> creating .venv-instrumentations/$* from $<"; \
		rm -rf $(@D) && $(PYTHON) -m venv $(@D) && \
		$(@D)/bin/python -m pip install --quiet --disable-pip-version-check --requirement $< && \
		sha256sum < $< > $@; fi

# Every package pinned with its hashes (pip-compile, see hack/tools/checkov/requirements.in).
$(CHECKOV_VENV)/.installed: hack/tools/checkov/requirements.txt
	@echo "==> creating checkov's Python environment in .venv-checkov from hack/tools/checkov/requirements.txt"
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--requirement hack/tools/checkov/requirements.txt
	@touch $@
	@echo "    .venv-checkov ready"

##@ Lint

.PHONY: lint
lint: lint-yaml lint-workflows lint-helm lint-ct lint-generated lint-security ## Run every linter

.PHONY: lint-yaml
lint-yaml: tools ## yamllint the repository with ci/lintconf.yaml
	@echo "==> yamllint"
	@yamllint --strict --config-file ci/lintconf.yaml .

.PHONY: lint-workflows
lint-workflows: $(BIN)/actionlint ## actionlint the GitHub workflows (and their run: scripts with shellcheck, when installed)
	@echo "==> actionlint .github/workflows"
	@command -v shellcheck >/dev/null || echo "    shellcheck is not installed: actionlint skips the run: scripts"
	@actionlint $(wildcard .github/workflows/*.yaml .github/workflows/*.yml)

.PHONY: lint-helm
lint-helm: tools ## helm lint --strict the chart with every values file and each subchart alone, at both supported Kubernetes versions
	@echo "==> helm lint --strict: the chart with $(words $(VALUES_FILES)) values files, and $(words $(SUBCHARTS)) subcharts alone"
	@for kube in $(KUBE_VERSION_OLDEST) $(KUBE_VERSION_NEWEST); do \
		helm lint --strict --quiet --kube-version $$kube $(CHART); \
		for subchart in $(SUBCHARTS); do \
			helm lint --strict --quiet --kube-version $$kube --values $$subchart/ci/standalone-values.yaml $$subchart; \
		done; \
		for values in $(VALUES_FILES); do \
			kinds=$$(sed -n 's/^# api-versions: //p' $$values); \
			if [ -n "$$kinds" ]; then \
				: "helm lint cannot be told the kinds the API server serves: render as the cluster would"; \
				helm template obs $(CHART) --kube-version $$kube --values $$values \
					$$(printf -- '--api-versions %s ' $$kinds) > /dev/null; \
			else \
				helm lint --strict --quiet --kube-version $$kube --values $$values $(CHART); \
			fi; \
		done; \
	done

.PHONY: lint-ct
lint-ct: tools ## chart-testing lint, offline (no maintainer look-ups, no version-bump check)
	@echo "==> ct lint"
	@ct lint --config ci/ct.yaml --all

.PHONY: lint-security
lint-security: tools ## checkov on the render of every values file; each skipped check has its reason in ci/checkov.yaml
	@echo "==> checkov: the chart rendered with $(words $(VALUES_FILES)) values files"
	@$(VENV)/bin/python hack/lint_security.py $(CHECKOV_VENV)/bin/checkov $(VALUES_FILES)

.PHONY: lint-generated
lint-generated: tools ## Fail when a generated file (values schema, values tables, dashboards, shared helpers, golden renders) is out of date
	@echo "==> generated files up to date"
	@$(VENV)/bin/python hack/values_docs.py --check
	@$(VENV)/bin/python hack/generate_dashboards.py --check
	@$(VENV)/bin/python hack/generate_helpers.py --check
	@$(VENV)/bin/python hack/render_golden.py --check

.PHONY: generate
generate: tools ## Regenerate values.schema.json and the README values tables from values.yaml, the dashboards, the shared helpers (templates/_common.tpl) and the golden renders (rendered/)
	@$(VENV)/bin/python hack/values_docs.py
	@$(VENV)/bin/python hack/generate_dashboards.py
	@$(VENV)/bin/python hack/generate_helpers.py
	@$(VENV)/bin/python hack/render_golden.py

##@ Test

.PHONY: test
test: tools lint ## The README's test command: lint, then every test tier this machine can run
	@echo "==> pytest: unit, component, e2e and container tiers (a tier this machine cannot run is reported as skipped)"
	@$(PYTEST) -m "unit or component or e2e or container" tests

.PHONY: test-unit
test-unit: tools ## Render tests only (fast)
	@$(PYTEST) -m unit tests

.PHONY: test-component
test-component: tools ## Real binaries on the rendered configuration
	@$(PYTEST) -m component tests

.PHONY: test-e2e
test-e2e: tools ## Install into a real API server
	@$(PYTEST) -m e2e tests

.PHONY: test-container
test-container: tools ## The rendered pods from their pinned images on Docker (CONTAINER_TIER=required: fail, not skip, without Docker)
	@$(PYTEST) -m container tests

##@ Benchmark

.PHONY: bench
bench: tools ## The capacity figures (not a test): the collector's spans per second and CPU-second, stage by stage; then bench-prometheus
	@$(VENV)/bin/python bench/collector_throughput.py
	@$(MAKE) bench-prometheus

# The 1,000-tenant backfill adds minutes: CAPACITY_BACKFILL_TENANTS=10,100,1000 includes it.
CAPACITY_BACKFILL_TENANTS ?= 10,100
.PHONY: bench-prometheus
bench-prometheus: tools ## Prometheus series and memory per tenant x agent x model; 30-day dashboard and budget query cost with and without the recording rules
	@$(VENV)/bin/python bench/prometheus_capacity.py --backfill-tenants $(CAPACITY_BACKFILL_TENANTS)

##@ Release

.PHONY: package
package: tools ## Package the chart into dist/
	@mkdir -p dist && helm package $(CHART) --destination dist

.PHONY: publish
publish: package ## Push the packaged chart to OCI_REPOSITORY (oci://...), logging in as REGISTRY_USER with $$REGISTRY_PASSWORD
	@test -n "$(OCI_REPOSITORY)" || { echo "set OCI_REPOSITORY=oci://registry/path"; exit 1; }
	@echo "$$REGISTRY_PASSWORD" | helm registry login "$$(echo $(OCI_REPOSITORY) | cut -d/ -f3)" --username "$(REGISTRY_USER)" --password-stdin
	@helm push dist/agent-observability-*.tgz $(OCI_REPOSITORY)

##@ Cluster

CLUSTER ?= kind

.PHONY: up
up: tools ## Bring the stack up on a local cluster (CLUSTER=kind, or CLUSTER=kwok without images) and print how to reach it; VALUES="my.yaml ..." adds your values files after values/kind.yaml
	@CLUSTER=$(CLUSTER) VALUES="$(VALUES)" hack/up.sh

.PHONY: demo
demo: tools ## Run the example agent (examples/agent) against the stack `make up` brought up, and say where to look
	@CLUSTER=$(CLUSTER) hack/demo.sh

.PHONY: down
down: ## Delete the local cluster `make up` created
	@CLUSTER=$(CLUSTER) hack/down.sh

##@ Housekeeping

.PHONY: clean
clean: ## Remove built tools, the Python environment and caches
	rm -rf $(BIN) $(VENV) .venv-instrumentations .pytest_cache

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} \
		/^##@/ {printf "\n%s\n", substr($$0, 5)} \
		/^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: print-kube-versions
print-kube-versions: # (for the tests) the two Kubernetes versions make lint uses
	@echo $(KUBE_VERSION_OLDEST) $(KUBE_VERSION_NEWEST)
