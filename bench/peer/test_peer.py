# The same checks as a named subset of the project's specs (EXPOSE-001, EXPOSE-004, BOOT-006,
# IDENT-001, SHARE-004, CONT-001, DATA-003), one test per (check, node), each asking the node what
# it needs through testinfra's modules over one shared SSH connection (ControlMaster).
import ipaddress

import pytest
from conftest import pairs


def listening(host):
    """(proto, address, port) of every TCP/UDP listener, from testinfra's socket module (ss)."""
    out = []
    for url in host.socket.get_listening_sockets():
        proto, _, rest = url.partition("://")
        if proto not in ("tcp", "udp"):
            continue
        addr, _, port = rest.rpartition(":")
        out.append((proto, addr.strip("[]").split("%")[0], port))
    return out


def is_loopback(addr):
    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


def declares(svc, proto, addr, port):
    if svc["proto"] != proto:
        return False
    if svc["port"] != "any" and str(svc["port"]) != port:
        return False
    want = svc.get("address")
    return want is None or want.strip("[]") == addr or (want == "*" and addr in ("0.0.0.0", "::", "*"))


@pytest.mark.parametrize("name,node", pairs("EXPOSE-001"))
def test_loopback_binds(hosts, name, node):
    socks = listening(hosts(name))
    for svc in (s for s in node["services"] if s["scope"] == "loopback"):
        exposed = [a for (p, a, port) in socks if declares(svc, p, a, port) and not is_loopback(a)]
        assert not exposed, f"{svc['name']} listens on {exposed}"


@pytest.mark.parametrize("name,node", pairs("EXPOSE-004"))
def test_no_undeclared_listeners(hosts, name, node):
    surprises = [s for s in listening(hosts(name)) if not any(declares(svc, *s) for svc in node["services"])]
    assert not surprises


@pytest.mark.parametrize("name,node", pairs("BOOT-006"))
def test_no_failed_units(hosts, name, node):
    out = hosts(name).check_output("systemctl list-units --failed --plain --no-legend --no-pager")
    assert out.strip() == ""


@pytest.mark.parametrize("name,node", pairs("IDENT-001"))
def test_identities(hosts, name, node):
    host = hosts(name)
    for ident in node["identities"]:
        user = host.user(ident["name"])
        assert user.exists and user.uid == ident["uid"] and user.gid == ident["gid"], ident["name"]
        assert host.group(ident["name"]).gid == ident["gid"], ident["name"]


@pytest.mark.parametrize("name,node", pairs("SHARE-004"))
def test_readonly_mounts(hosts, name, node):
    host = hosts(name)
    fstab = [line.split() for line in host.file("/etc/fstab").content_string.splitlines() if line.strip() and not line.startswith("#")]
    for m in (m for m in node["mounts"] if m["access"] == "ro"):
        host.run("timeout 20 ls -- %s/ >/dev/null 2>&1", m["path"])  # a read mounts an automount, as the services do
        line = [f for f in fstab if len(f) > 3 and f[1] == m["path"]][-1]
        assert "ro" in line[3].split(","), m["path"]
        mp = host.mount_point(m["path"])
        assert mp.exists and "ro" in mp.options, m["path"]
        assert m["storageAccess"] in (None, "ro"), f"{m['identity']} is not read-only on {m['source']}"


@pytest.mark.parametrize("name,node", pairs("CONT-001"))
def test_restart_policy(hosts, name, node):
    host = hosts(name)
    for c in node["containers"]:
        policy = host.check_output("docker inspect --format '{{.HostConfig.RestartPolicy.Name}}' %s", c["name"])
        assert policy == c["restart"], c["name"]


@pytest.mark.parametrize("name,node", pairs("DATA-003"))
def test_snapraid_status(hosts, name, node):
    status = hosts(name).run("snapraid -c %s status", node["snapraidConfig"])
    assert status.rc == 0 and "No error detected." in status.stdout and "sync in progress" not in status.stdout
