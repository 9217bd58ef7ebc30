#!/usr/bin/env python3
"""Run a release's secret generator on this machine, as its Job's pod would, against the
cluster's API server: for KWOK, whose simulated Job completes without running anything.

The script and its spec are the release's stored hook (helm get hooks), run with this
machine's Node.js and the kubeconfig's client certificate; like the Job, it only creates the
Secrets and keys that are missing, so running it again changes nothing.

Usage: hack/run-secret-generator.py <release> <namespace> <kubeconfig>
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml


def run_generator(config_map: dict, namespace: str, kubeconfig: str, **run) -> subprocess.CompletedProcess:
    """The generator's script and spec from its ConfigMap, run with Node.js against the API server
    and with the client certificate of `kubeconfig`, in `namespace`; `run`: subprocess.run's
    keyword arguments (e.g. capture_output). The e2e tests run it too (harness.cluster)."""
    config = yaml.safe_load(Path(kubeconfig).read_text())
    user, server = config["users"][0]["user"], config["clusters"][0]["cluster"]
    env = {"PATH": os.environ["PATH"], "KUBERNETES_API_URL": server["server"], "KUBERNETES_NAMESPACE": namespace,
           "KUBERNETES_CA_FILE": server["certificate-authority"],
           "KUBERNETES_CLIENT_CERT_FILE": user["client-certificate"], "KUBERNETES_CLIENT_KEY_FILE": user["client-key"]}
    with tempfile.TemporaryDirectory() as scratch:
        for name, content in config_map["data"].items():
            (Path(scratch) / name).write_text(content)
        return subprocess.run([shutil.which("node") or "node", str(Path(scratch) / "generate-secrets.mjs"),
                               str(Path(scratch) / "secrets.json")], env=env, check=False, **run)


def main(release: str, namespace: str, kubeconfig: str) -> int:
    hooks = subprocess.run(["helm", "get", "hooks", release, "--namespace", namespace, "--kubeconfig", kubeconfig],
                           capture_output=True, text=True, check=True).stdout
    generators = [o for o in yaml.safe_load_all(hooks) if o and o["kind"] == "ConfigMap"
                  and o["metadata"]["name"].endswith("-secret-generator")]
    if not generators:
        print(f"release {release} has no secret generator (every credential comes from your Secrets)")
        return 0
    [generator] = generators
    return run_generator(generator, namespace, kubeconfig).returncode


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
