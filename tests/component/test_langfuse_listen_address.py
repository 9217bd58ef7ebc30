"""Where LangFuse web and worker listen, given the environment the chart renders for them.

The LangFuse images cannot run here (no container registry), so Node runs what their servers
do with the environment, taken from upstream at the chart's appVersion (langfuse v4.16.0):
- web: Next.js 16.3.0's standalone server.js, `const hostname = process.env.HOSTNAME ||
  '0.0.0.0'`, then `server.listen(port, hostname)` (next/dist/server/lib/start-server.js);
- worker: worker/src/env.ts `HOSTNAME: z.string().default("0.0.0.0")` and worker/src/index.ts
  `app.listen(env.PORT, env.HOSTNAME)`.
The container runtime (containerd, CRI-O) sets HOSTNAME to the pod's name, which resolves to
the pod's IP only (/etc/hosts); here it is this machine's own address, what that name resolves
to in the pod. Every address must answer: loopback for `kubectl port-forward` and sidecars,
IPv4 and IPv6 for the cluster's families.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from harness.network import answers, free_port, host_addresses
from harness.render import render_chart

SERVERS = {
    "web": "const hostname = process.env.HOSTNAME || '0.0.0.0';",
    "worker": "const hostname = process.env.HOSTNAME === undefined ? '0.0.0.0' : process.env.HOSTNAME;",
}
LISTEN = (" require('node:http').createServer((req, res) => res.end('ok'))"
          ".on('error', (error) => { console.error(error.message); process.exit(1); })"
          ".listen(Number(process.env.PORT), hostname);")


@pytest.mark.parametrize("component", ["web", "worker"])
def test_langfuse_listens_on_loopback_and_every_address_of_both_families(component, node):
    own = host_addresses()
    if not any(":" not in a for a in own) or not any(":" in a for a in own):
        pytest.skip(f"this machine needs an IPv4 and an IPv6 address beyond loopback; it has {own}")
    deployment = render_chart().get("Deployment", f"obs-langfuse-{component}")
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    rendered = {var["name"]: var["value"] for var in container["env"] if "value" in var}
    port = free_port()
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOSTNAME": own[0]} | rendered | {"PORT": str(port)}
    server = subprocess.Popen([node, "-e", SERVERS[component] + LISTEN], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        addresses = ["127.0.0.1", "::1", *own]
        deadline = time.monotonic() + 20
        while not any(answers(a, port) for a in addresses) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        reached = {address: answers(address, port) for address in addresses}
    finally:
        server.kill()
        error = server.communicate()[1]
    assert all(reached.values()), f"HOSTNAME={env['HOSTNAME']!r}: {reached} {error}"


def test_langfuse_listen_address_works_in_a_pod_without_ipv6_addresses(node):
    """On IPv4-only clusters a pod may have IPv6 switched off (disable_ipv6, as Docker does):
    Node still opens the `::` socket, and IPv4 clients reach it."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs root, unshare and ip to make a network namespace without IPv6")
    [container] = render_chart().get("Deployment", "obs-langfuse-worker")["spec"]["template"]["spec"]["containers"]
    hostname = next(var["value"] for var in container["env"] if var["name"] == "HOSTNAME")
    listen_and_call = (SERVERS["worker"] + LISTEN.replace(".listen(Number(process.env.PORT), hostname);", "")
                       + ".listen(3030, hostname, () => require('node:http').get('http://127.0.0.1:3030', "
                       "(res) => process.exit(res.statusCode === 200 ? 0 : 3)));")
    pod = ("ip link set lo up && sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1"
           f' && exec "$NODE" -e "$SCRIPT"')
    result = subprocess.run(["unshare", "--net", "sh", "-c", pod], capture_output=True, text=True, timeout=60,
                            env={"PATH": os.environ["PATH"], "NODE": node, "SCRIPT": listen_and_call,
                                 "HOSTNAME": hostname})
    if result.returncode != 0 and "unshare" in result.stderr:
        pytest.skip(f"cannot make a network namespace here: {result.stderr.strip()}")
    assert result.returncode == 0, f"HOSTNAME={hostname!r}: {result.stderr}"
