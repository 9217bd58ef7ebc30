"""The repository's entry points agree with each other: CI runs what the README promises."""

import re

import yaml

from harness.paths import REPO_ROOT


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
