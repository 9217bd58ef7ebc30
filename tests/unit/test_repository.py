"""The repository's entry points agree with each other: CI runs what the README promises."""

import fnmatch
import os
import re
from collections import Counter
import shutil
import subprocess
import sys

import yaml

from harness.paths import KUBE_VERSION_NEWEST, KUBE_VERSION_OLDEST, REPO_ROOT, UMBRELLA_CHART


def make_targets():
    makefile = (REPO_ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-zA-Z][\w-]*):", makefile, flags=re.MULTILINE))


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO_ROOT / "README.md").read_text()
    assert re.search(r"^make test$", (REPO_ROOT / ".ci" / "run").read_text(), flags=re.MULTILINE)


def test_workflows_call_only_make_targets_that_exist():
    targets = make_targets()
    for workflow in (REPO_ROOT / ".github" / "workflows").glob("*.yaml"):
        steps = [step for job in yaml.safe_load(workflow.read_text())["jobs"].values() for step in job["steps"]]
        for step in steps:
            for target in re.findall(r"\bmake ([a-z][\w-]*)", step.get("run", "")):
                assert target in targets, f"{workflow.name} runs `make {target}`, which the Makefile lacks"


def test_make_help_lists_every_documented_target():
    for target in ("tools", "lint", "test", "test-unit", "up", "down"):
        assert target in make_targets()


def chart_helpers():
    """(chart name, helper name, text before the define) of every named template."""
    for chart_yaml in (REPO_ROOT / "charts").rglob("Chart.yaml"):
        chart = yaml.safe_load(chart_yaml.read_text())["name"]
        for template in (chart_yaml.parent / "templates").rglob("*.tpl"):
            text = template.read_text()
            for match in re.finditer(r'\{\{-? define "([^"]+)" -?\}\}', text):
                yield chart, match.group(1), text[: match.start()]


def test_every_helper_is_prefixed_with_its_chart_and_documented():
    for chart, helper, before in chart_helpers():
        assert helper.startswith(f"{chart}."), f"{helper} lacks the prefix {chart}."
        docstring = before.rstrip().rsplit("{{/*", 1)[-1]
        assert before.rstrip().endswith("*/}}") and docstring.strip().startswith(helper), \
            f"{helper} has no docstring starting with its name"


def test_every_helper_is_defined_once():
    # Helm keeps one of two defines of a name without a word, so a chart's own helper beside its
    # copy of the shared one (hack/generate_helpers.py) would silently lose to it, or win.
    counts = Counter(helper for _, helper, _ in chart_helpers())
    assert [helper for helper, n in counts.items() if n > 1] == []


def test_every_helper_is_used():
    sources = "\n".join(p.read_text() for p in (REPO_ROOT / "charts").rglob("*") if p.suffix in (".tpl", ".yaml", ".txt", ".xml"))
    for _, helper, _ in chart_helpers():
        uses = [line for line in sources.splitlines()
                if f'"{helper}"' in line and "define" not in line and "Usage:" not in line]
        assert uses, f"{helper} is defined but never used"


def test_make_tools_names_each_missing_or_too_old_prerequisite(tmp_path):
    """A machine with Go 1.21 and no Node.js: one line each, naming the version needed."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "go").write_text("#!/bin/sh\necho go1.21.0\n")
    (fake / "go").chmod(0o755)
    (fake / "python3").symlink_to(os.path.realpath(sys.executable))
    for tool in ("sed", "sort", "head"):
        (fake / tool).symlink_to(shutil.which(tool))
    result = subprocess.run([shutil.which("bash"), str(REPO_ROOT / "hack" / "check-prerequisites.sh")], capture_output=True,
                            text=True, env={"PATH": str(fake)}, check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "missing prerequisite: Go >= 1.26.7 is needed, found 1.21.0 (see README.md, section Prerequisites)",
        "missing prerequisite: Node.js >= 20 is not installed (it runs the chart's secret generator in the tests) "
        "(see README.md, section Prerequisites)"]


def test_the_supported_kubernetes_versions_come_from_one_place_and_the_readmes_state_them():
    made = subprocess.run(["make", "-s", "print-kube-versions"], cwd=REPO_ROOT, capture_output=True, text=True,
                          check=True).stdout.split()
    assert made == [KUBE_VERSION_OLDEST, KUBE_VERSION_NEWEST]
    stated = f"{KUBE_VERSION_OLDEST.rsplit('.', 1)[0]} to {KUBE_VERSION_NEWEST.rsplit('.', 1)[0]}"
    for readme in (REPO_ROOT / "README.md", UMBRELLA_CHART / "README.md"):
        assert f"Kubernetes {stated}" in readme.read_text() or f"versions: {stated}" in readme.read_text(), readme


# A template's check of what the user set: `fail "..."`, `fail (printf ...)` or `required "..."`.
CHECK = re.compile(r'\{\{-?\s*(fail\s*[("]|required\s+")')
# The checks that stand outside their chart's templates/validate.yaml, and why (path relative
# to the repository, as a glob, and a fragment of the check's line).
CHECKS_OUTSIDE_VALIDATE = [
    # The shared serviceAccountName helper (hack/helpers/common.tpl, copied into each chart's
    # _common.tpl) reads serviceAccount.name: its `required` is written once for every chart,
    # where six validate.yaml would each need a copy of it.
    ("charts/**/templates/_common.tpl", 'required "serviceAccount.name is required when serviceAccount.create is false"'),
    # Not checks of values: the monitoring rules' asserts on the chart's own templates (an alert
    # written without a family, a link to a panel a shipped dashboard does not have), which no
    # value reaches; they stop the render of a change to the chart where the mistake is made.
    ("charts/agent-observability/charts/monitoring/templates/_rules.tpl", 'fail (printf "monitoring.alert: %s has no family"'),
    ("charts/agent-observability/charts/monitoring/templates/_rules.tpl", 'fail (printf "monitoring.dashboardUrl: dashboard'),
    # Helm's toYaml gives nothing for a string YAML cannot carry, and the helper that builds
    # LangFuse's store settings is where that shows; Helm renders the deeper templates
    # (web/, worker/) before validate.yaml, which would crash first on the empty settings.
    ("charts/agent-observability/charts/langfuse/templates/_config.tpl", 'fail "langfuse: a setting of database, clickhouse, redis or s3 holds a control character'),
]


def test_every_check_of_what_the_user_set_stands_in_its_charts_validate_yaml():
    """One place per chart refuses bad values, before any object is written: its
    templates/validate.yaml. A check inside a helper runs only when something calls the
    helper, and a reader looking for what the chart refuses finds it there only by chance."""
    outside = []
    for chart_yaml in sorted((REPO_ROOT / "charts").rglob("Chart.yaml")):
        templates = chart_yaml.parent / "templates"
        for template in sorted(path for path in templates.rglob("*") if path.is_file()):
            if template == templates / "validate.yaml" or templates / "charts" in template.parents:
                continue
            path = template.relative_to(REPO_ROOT).as_posix()
            for number, line in enumerate(template.read_text().splitlines(), 1):
                allowed = any(fnmatch.fnmatch(path, glob) and fragment in line
                              for glob, fragment in CHECKS_OUTSIDE_VALIDATE)
                if CHECK.search(line) and not allowed:
                    outside.append(f"{path}:{number}: {line.strip()[:100]}")
    assert outside == [], "checks of values outside their chart's templates/validate.yaml:\n" + "\n".join(outside)
