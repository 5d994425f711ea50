"""ganbench.conformance.names: a name the command line would cut up or read as a keyword fails its check."""

import pytest
from bad_name_plugin import BAD_NAMES

from ganbench.conformance import check, failures
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for

PLUGINS = PluginOptions(external=False, modules=("bad_name_plugin",))


@pytest.mark.parametrize("name", sorted(BAD_NAMES))
def test_a_name_the_command_line_cannot_take_fails_and_says_why(name):
    results = check("loss", name, registry=registry_for(PLUGINS), plugins=PLUGINS)
    assert [r.check for r in failures(results)] == ["usable name"], results
    detail = failures(results)[0].detail
    assert BAD_NAMES[name] in detail and "rename it" in detail, detail


def test_a_plain_name_passes():
    [result, *_] = check("loss", "ns", registry=registry_for(PluginOptions(external=False)))
    assert result.check == "usable name" and result.passed, result
