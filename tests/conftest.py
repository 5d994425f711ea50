import sys
from pathlib import Path

import pytest

from ganbench.plugins import DISABLE_EXTERNAL_ENV
from ganbench.testing import forget_registries

sys.path.insert(0, str(Path(__file__).parent / "support"))

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "data" / "mnist"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """One cache for the whole session: feature networks are trained once, as for a user."""
    return tmp_path_factory.mktemp("ganbench-cache")


@pytest.fixture(autouse=True)
def _isolated_cache(cache_dir, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(cache_dir))


@pytest.fixture(autouse=True)
def _builtins_only(monkeypatch):
    """Plugins installed beside ganbench (a user's own, the example package) never change what the suite
    measures; a test about external plugins asks for them with the ``external_plugins`` fixture."""
    monkeypatch.setenv(DISABLE_EXTERNAL_ENV, "1")
    forget_registries()
    yield
    forget_registries()


@pytest.fixture
def external_plugins(monkeypatch):
    """Installed external plugins load, as they do for a user."""
    monkeypatch.delenv(DISABLE_EXTERNAL_ENV, raising=False)
    forget_registries()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: installs packages or trains for longer; part of the default run, select with -m slow"
    )
