#!/usr/bin/env python3
"""`make lint-security`: checkov on the render of every shipped values file.

Each values file is rendered as Helm installs it (release `obs`, namespace `observability`,
the newest supported Kubernetes version), checkov's Kubernetes checks run once on all the
renders, and every failed check must be excused by ci/checkov.yaml, where each skip has its
reason. Prints one line per render and each unexcused failure; exits 1 when there is one, or
when a skip limited to some objects or renders excuses nothing (stale).

Usage: hack/lint_security.py CHECKOV VALUES_FILE...
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

from api_versions import declared_api_versions

REPO_ROOT = Path(__file__).resolve().parent.parent
CHART = REPO_ROOT / "charts" / "agent-observability"
CONFIG = REPO_ROOT / "ci" / "checkov.yaml"
KUBE_VERSION = "1.37.0"  # the newest supported (Makefile KUBE_VERSION_NEWEST)
SKIP_KEYS = {"check", "reason", "resources", "valuesFiles"}


def load_skips() -> list[dict]:
    skips = yaml.safe_load(CONFIG.read_text())["skips"]
    for skip in skips:
        unknown = set(skip) - SKIP_KEYS
        if unknown or not str(skip.get("check", "")).strip() or not str(skip.get("reason", "")).strip():
            sys.exit(f"{CONFIG.relative_to(REPO_ROOT)}: every skip needs `check` and a `reason`, "
                     f"and only {sorted(SKIP_KEYS)}: {skip}")
    return skips


def render(values_file: str, into: Path) -> Path:
    target = into / (values_file.replace("/", "__"))
    kinds = declared_api_versions([REPO_ROOT / values_file])
    result = subprocess.run(["helm", "template", "obs", str(CHART), "--namespace", "observability",
                             "--kube-version", KUBE_VERSION, "--values", values_file,
                             *[arg for kind in kinds for arg in ("--api-versions", kind)]],
                            capture_output=True, text=True, check=False, cwd=REPO_ROOT)
    if result.returncode != 0:
        sys.exit(f"helm template with {values_file} failed:\n{result.stderr}")
    target.write_text(result.stdout)
    return target


def run_checkov(checkov: str, directory: Path, skipped_everywhere: list[str]) -> list[dict]:
    # --skip-download: no Prisma Cloud look-ups (offline, and no guidelines needed).
    command = [checkov, "--directory", str(directory), "--framework", "kubernetes", "--skip-download",
               "--output", "json", "--compact"]
    if skipped_everywhere:
        command += ["--skip-check", ",".join(skipped_everywhere)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1) or not result.stdout.strip():
        sys.exit(f"checkov failed ({result.returncode}):\n{result.stderr[-3000:]}")
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    return [report for report in reports if report.get("check_type") == "kubernetes"]


def excuse(failure: dict, values_file: str, skips: list[dict]) -> dict | None:
    for skip in skips:
        if skip["check"] != failure["check_id"]:
            continue
        if "valuesFiles" in skip and values_file not in skip["valuesFiles"]:
            continue
        if "resources" in skip and not any(fnmatch.fnmatchcase(failure["resource"], pattern)
                                           for pattern in skip["resources"]):
            continue
        return skip
    return None


def main(checkov: str, values_files: list[str]) -> int:
    skips = load_skips()
    everywhere = sorted({s["check"] for s in skips if not {"resources", "valuesFiles"} & set(s)})
    limited = [s for s in skips if {"resources", "valuesFiles"} & set(s)]
    with tempfile.TemporaryDirectory() as work:
        renders = {render(v, Path(work)).name: v for v in values_files}
        reports = run_checkov(checkov, Path(work), everywhere)
    passed, failed, excused, unexcused, used = Counter(), Counter(), Counter(), [], set()
    for report in reports:
        for result in report["results"]["passed_checks"]:
            passed[renders[Path(result["file_path"]).name]] += 1
        for failure in report["results"]["failed_checks"]:
            values_file = renders[Path(failure["file_path"]).name]
            failed[values_file] += 1
            skip = excuse(failure, values_file, limited)
            if skip is None:
                unexcused.append((values_file, failure))
            else:
                excused[values_file] += 1
                used.add(id(skip))
    print(f"    skipped everywhere (ci/checkov.yaml, with reasons): {', '.join(everywhere)}")
    for values_file in values_files:
        print(f"    {values_file}: {passed[values_file]} passed, {failed[values_file]} failed "
              f"({excused[values_file]} excused by ci/checkov.yaml)")
    for values_file, failure in unexcused:
        # Kind.namespace.name; graph checks append the pod's labels.
        resource = ".".join(failure["resource"].split(".")[:3])
        print(f"    FAILED {values_file}: {failure['check_id']} {resource}: {failure['check_name']}")
    stale = [s for s in limited if id(s) not in used]
    for skip in stale:
        print(f"    STALE ci/checkov.yaml skip excuses nothing: {skip['check']} "
              f"{skip.get('resources', '')} {skip.get('valuesFiles', '')}")
    if unexcused or stale:
        print("    fix the chart, or add the check to ci/checkov.yaml with the reason the chart differs")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
