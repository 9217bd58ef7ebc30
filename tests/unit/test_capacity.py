"""A default install fits a laptop's kind node, and the README says how much it asks for."""

import re

from harness.capacity import steady_state_requests
from harness.paths import REPO_ROOT
from harness.render import render_chart

LAPTOP_KIND_NODE = (2000, 6 * 2**30)  # leave room for kind's own pods on a 4-CPU, 8 GiB laptop


def test_a_default_install_fits_a_kind_node_on_a_laptop():
    cpu, memory = steady_state_requests(render_chart(values_files=(REPO_ROOT / "values" / "kind.yaml",)))
    assert cpu <= LAPTOP_KIND_NODE[0] and memory <= LAPTOP_KIND_NODE[1]


def test_the_readme_states_the_requests_of_a_default_install():
    cpu, memory = steady_state_requests(render_chart())
    readme = (REPO_ROOT / "README.md").read_text()
    stated = re.search(r"requests \*\*(\d+)m CPU and (\d+)Mi of memory\*\*", readme)
    assert stated, "README must state the requests of a default install"
    assert (int(stated.group(1)), int(stated.group(2))) == (cpu, memory // 2**20)
