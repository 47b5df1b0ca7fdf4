# The peer of the project's specs for `npm run bench` (bench/peer.bench.ts): testinfra, as its
# users write it. What each node must look like comes from the same inventory the project reads,
# written as JSON by the benchmark (HLC_PEER_EXPECT); which (check, node) pairs run is the set the
# project itself judged, so both sides count the same checks.
import json
import os

import pytest

with open(os.environ["HLC_PEER_EXPECT"]) as f:
    EXPECT = json.load(f)


def pairs(check):
    """(node, its declarations) for every node the project judged `check` on."""
    return [pytest.param(name, node, id=f"{check}-{name}") for name, node in EXPECT["nodes"].items() if check in node["checks"]]


@pytest.fixture(scope="session")
def hosts():
    import testinfra

    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = testinfra.get_host(f"ssh://{name}", ssh_config=EXPECT["sshConfig"], controlpersist=60)
        return cache[name]

    return get
