"""`ganbench fid-stats`: the file holds the statistics `run` caches, and `--fid-reference FILE` gives run's FID."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
import torch
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from ganbench.cli import main
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.types import DataOptions
from ganbench_plugins.metrics import extractor

RUN = [
    "run", "--models", "dcgan", "--losses", "ns", "--dataset", "digits", "--budget", "20steps",
    "--checkpoints", "1", "--metrics", "fid",
]  # fmt: skip


def fid_of(folder) -> tuple[float, str]:
    with sqlite3.connect(folder / "results.sqlite") as db:
        [(value, header)] = db.execute("SELECT value, header FROM metrics WHERE name = 'fid'").fetchall()
    return value, header


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """`ganbench fid-stats digits`'s file, and what it printed."""
    path = tmp_path_factory.mktemp("stats") / "digits.npz"
    assert main(["fid-stats", "digits", "--out", str(path), "--device", "cpu"]) == 0
    return path


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "plain"
    assert main([*RUN, "--out", str(out)]) == 0
    return out


def test_fid_stats_writes_mu_sigma_and_metadata_readable_without_pickle(written):
    with np.load(written, allow_pickle=False) as found:
        entries = {key: found[key] for key in found.files}
    assert entries["mu"].dtype == np.float64 and entries["mu"].shape == (128,)
    assert entries["sigma"].dtype == np.float64 and entries["sigma"].shape == (128, 128)
    meta = {key: value.item() for key, value in entries.items() if value.ndim == 0}
    assert meta["extractor"] == "ganbench-digits-cnn" and meta["extractor_id"].startswith("ganbench-cnn-digits-")
    assert (meta["feature_size"], meta["dataset"], meta["samples"], meta["image_size"]) == (128, "digits", 1797, 16)
    assert meta["split"] == "all" and meta["format"] == "ganbench-fid-statistics-1" and meta["ganbench_version"]


def test_fid_stats_equals_the_mean_and_covariance_of_the_features_computed_here(written):
    dataset = registry_for(PluginOptions()).get("datasets", "digits").load(DataOptions())
    with np.load(written, allow_pickle=False) as found:
        mu, sigma, name = found["mu"], found["sigma"], str(found["extractor_id"])
    net = FEATURE_EXTRACTORS_REGISTRY[name](name, ["features"]).eval()
    with torch.no_grad():
        feats = net(extractor.to_uint8(dataset.x))[0].double().numpy()
    print(
        f"|mu - mean| {np.abs(mu - feats.mean(0)).max():.2e}, |sigma - cov| {np.abs(sigma - np.cov(feats.T)).max():.2e}"
    )
    np.testing.assert_allclose(mu, feats.mean(0), atol=1e-5)
    np.testing.assert_allclose(sigma, np.cov(feats, rowvar=False), atol=1e-5)


def test_run_against_the_written_file_gives_the_cached_statistics_fid(written, plain_run, tmp_path):
    out = tmp_path / "imported"
    assert main([*RUN, "--fid-reference", str(written), "--out", str(out)]) == 0
    (cached, cached_header), (imported, imported_header) = fid_of(plain_run), fid_of(out)
    print(f"FID against the cached statistics {cached!r}, against {written.name} {imported!r}, "
          f"difference {abs(imported - cached):.3g}")  # fmt: skip
    assert abs(imported - cached) <= 1e-6
    assert cached_header == "FID (ganbench-digits-cnn, 1797 generated vs 1797 real (all), 16 px as is)"
    assert imported_header == "FID (ganbench-digits-cnn, 1797 generated vs imported digits.npz (digits, 1797 real), 16 px as is)"  # fmt: skip
    assert "reference: imported " in (out / "report.md").read_text()


def test_a_pytorch_fid_shaped_file_of_the_same_statistics_is_accepted(written, plain_run, tmp_path):
    with np.load(written, allow_pickle=False) as found:
        np.savez(tmp_path / "fid_stats.npz", mu=found["mu"], sigma=found["sigma"])  # what pytorch-fid writes
    out = tmp_path / "pytorch-fid"
    assert main([*RUN, "--fid-reference", str(tmp_path / "fid_stats.npz"), "--out", str(out)]) == 0
    assert abs(fid_of(out)[0] - fid_of(plain_run)[0]) <= 1e-6
    assert "vs imported fid_stats.npz, 16 px" in fid_of(out)[1]


def test_a_changed_file_is_another_experiment(written, tmp_path):
    from ganbench_plugins.metrics import stats_file

    copy = tmp_path / "copy.npz"
    copy.write_bytes(written.read_bytes())
    before = stats_file.pin(str(copy))
    with np.load(written, allow_pickle=False) as found:
        np.savez(copy, **{**{k: found[k] for k in found.files}, "mu": found["mu"] + 1})
    assert stats_file.pin(str(copy)) != before  # another value of the metric option, so other trial ids


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["ring8", "--out", "{tmp}/r.npz"], "fid-stats ring8: FID compares images"),
        (["digits", "--out", "{tmp}/no/such/folder/r.npz"], "the folder"),
        (["digits", "--out", "{tmp}/r.npz", "--image-size", "2"], "--image-size 2: give an image side"),
        (["digits"], "the following arguments are required: --out"),
    ],
)
def test_fid_stats_bad_input_is_one_line_exit_2(tmp_path, capsys, arguments, message):
    assert main(["fid-stats", *(a.format(tmp=tmp_path) for a in arguments)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and err.startswith("ganbench: error:"), err
    assert not (tmp_path / "r.npz").exists()
