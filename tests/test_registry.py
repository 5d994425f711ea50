import pytest

from ganbench.errors import UsageError
from ganbench.registry import load_registry


@pytest.fixture(scope="module")
def registry():
    return load_registry(extra_modules=("toy_plugin",))


def test_lookup_normalises_names(registry):
    assert registry.get("models", "TOY_MLP").name == "toy-mlp"


def test_unknown_name_names_the_closest_match_and_the_choices(registry):
    with pytest.raises(UsageError) as raised:
        registry.get("models", "toy-mpl")
    message = str(raised.value)
    assert "unknown model 'toy-mpl'" in message and "did you mean 'toy-mlp'?" in message
    assert "choices:" in message and "\n" not in message


def test_plugin_given_with_the_option_is_stamped(registry):
    record = registry.get("losses", "toy-ns")
    assert record.plugin == "toy_plugin" and record.distribution == "--plugin"
