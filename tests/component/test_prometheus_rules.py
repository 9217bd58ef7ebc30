"""The chart's recording and alerting rules, as rendered, pass promtool: they parse, and each
alert fires when it should and stays silent when it should not (rules/*_test.yaml on the
component tests' values, rules/<render>/*_test.yaml on the other renders of RULE_RENDERS)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from harness import prometheus
from harness.render import render_chart

from monitoring_inputs import RULE_RENDERS, RULES_CONFIG_MAP, RULES_KEY

RULES = Path(__file__).parent / "rules"
RULE_TESTS = [(name, path) for name in RULE_RENDERS for path in sorted((RULES / name).glob("*_test.yaml"))]


def rendered_rules_text(name: str) -> str:
    return render_chart(**RULE_RENDERS[name]).get("ConfigMap", RULES_CONFIG_MAP)["data"][RULES_KEY]


@pytest.fixture(scope="module")
def rendered_rules(tmp_path_factory):
    """{render name: a directory holding its rules.yaml}."""
    reason = prometheus.missing_reason()
    if reason:
        pytest.skip(reason)
    workdirs = {}
    for name in RULE_RENDERS:
        workdirs[name] = tmp_path_factory.mktemp("rules")
        (workdirs[name] / "rules.yaml").write_text(rendered_rules_text(name))
    return workdirs


@pytest.mark.parametrize("name", RULE_RENDERS)
def test_promtool_accepts_the_rendered_rules(rendered_rules, name):
    result = prometheus.check_rules(rendered_rules[name] / "rules.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("name", "test_file"), [pytest.param(name, path, id=str(path.relative_to(RULES)))
                                                 for name, path in RULE_TESTS])
def test_promtool_unit_tests_of_the_rules_pass(rendered_rules, name, test_file):
    shutil.copy(test_file, rendered_rules[name] / test_file.name)
    result = prometheus.test_rules([rendered_rules[name] / test_file.name], cwd=rendered_rules[name])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_and_recording_rule_has_a_promtool_test():
    """Each alert has a case where it fires and one where it stays silent; each recording rule
    is checked by a test's expression."""
    groups = yaml.safe_load(rendered_rules_text("."))["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    tests = [case for _, path in RULE_TESTS for case in yaml.safe_load(path.read_text())["tests"]]
    alert_checks = [check for case in tests for check in case.get("alert_rule_test", [])]
    for alert in {rule["alert"] for rule in rules if "alert" in rule}:
        outcomes = [bool(check["exp_alerts"]) for check in alert_checks if check["alertname"] == alert]
        assert True in outcomes, f"no promtool test where {alert} fires"
        assert False in outcomes, f"no promtool test where {alert} stays silent"
    read = " ".join(check["expr"] for case in tests for check in case.get("promql_expr_test", []))
    for record in {rule["record"] for rule in rules if "record" in rule}:
        assert record in read, f"no promtool test reads the recording rule {record}"
