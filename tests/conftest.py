import sys
from pathlib import Path

import pytest

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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: installs packages or trains for longer; part of the default run, select with -m slow"
    )
