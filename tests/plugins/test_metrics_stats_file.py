"""FID statistics files: read with every check, written whole, and FID against one checked with scipy."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch

from ganbench.cli import main
from ganbench.errors import UsageError
from ganbench.types import MetricContext
from ganbench_plugins.metrics import fid, stats_file

try:
    from test_metrics_data import sampler, shared_cache
    from test_metrics_fid import features, frechet_distance, halves  # noqa: F401 (a fixture)
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import sampler, shared_cache
    from .test_metrics_fid import features, frechet_distance, halves  # noqa: F401


def saved(path, **arrays) -> str:
    np.savez(path, **arrays)
    return str(path)


def refusal(text: str) -> str:
    with pytest.raises(UsageError) as caught:
        stats_file.read(text)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    return message


# --------------------------------------------------------------------------- reading


def test_a_pytorch_fid_file_is_read_and_pinned_to_its_content(tmp_path):
    path = saved(tmp_path / "ref.npz", mu=np.arange(3.0), sigma=np.eye(3))
    read = stats_file.read(path)
    assert read.feature_size == 3 and read.metadata == {} and read.sigma.shape == (3, 3)
    assert read.pinned == f"{path}#sha256={read.digest}" and len(read.digest) == 16
    assert stats_file.read(read.pinned).mu.tolist() == [0.0, 1.0, 2.0]  # a pinned path reads the same file
    assert read.describe() == "ref.npz"


def test_a_changed_file_is_another_reference_and_refused_under_its_old_pin(tmp_path):
    path = saved(tmp_path / "ref.npz", mu=np.zeros(3), sigma=np.eye(3))
    pinned = stats_file.read(path).pinned
    saved(tmp_path / "ref.npz", mu=np.ones(3), sigma=np.eye(3))
    assert stats_file.read(path).pinned != pinned
    assert "has changed since it was chosen" in refusal(pinned)


def test_what_is_not_statistics_is_refused_in_one_line(tmp_path):
    assert refusal(str(tmp_path / "missing.npz")).endswith("no such file")
    assert "has no 'mu' and 'sigma' arrays (it holds: arr_0, arr_1)" in refusal(
        saved(tmp_path / "other.npz", arr_0=np.zeros(3), arr_1=np.eye(3))
    )
    np.save(tmp_path / "one.npy", np.zeros(3))
    assert "is not an .npz file" in refusal(str(tmp_path / "one.npy"))
    (tmp_path / "text.npz").write_text("mu sigma")
    assert "is not an .npz file" in refusal(str(tmp_path / "text.npz"))
    assert "mu (3,) and sigma (4, 4) do not fit" in refusal(saved(tmp_path / "s.npz", mu=np.zeros(3), sigma=np.eye(4)))
    assert "NaN or infinite" in refusal(saved(tmp_path / "n.npz", mu=np.full(2, np.nan), sigma=np.eye(2)))
    assert "floating-point" in refusal(saved(tmp_path / "i.npz", mu=np.zeros(2, int), sigma=np.eye(2)))
    fake = {"feature_size": np.array(5)}
    assert "feature_size entry says 5" in refusal(saved(tmp_path / "f.npz", mu=np.zeros(2), sigma=np.eye(2), **fake))


def test_pickled_entries_are_never_unpickled(tmp_path):
    objects = np.array([{"evil": 1}], dtype=object)
    path = saved(tmp_path / "p.npz", mu=objects, sigma=np.eye(1))
    assert "not an .npz of plain arrays" in refusal(path)  # np.load(..., allow_pickle=False) refused it


def test_the_option_type_gives_argparse_one_line(tmp_path):
    with pytest.raises(argparse.ArgumentTypeError, match="no such file"):
        stats_file.pin(str(tmp_path / "missing.npz"))


def test_the_extractor_and_the_feature_size_must_be_the_runs(tmp_path):
    meta = {"extractor": np.array("ganbench-digits-cnn"), "extractor_id": np.array("cnn-w1")}
    read = stats_file.read(saved(tmp_path / "g.npz", mu=np.zeros(4), sigma=np.eye(4), **meta))
    read.check_against("ganbench-digits-cnn", "cnn-w1", 4)  # fits
    with pytest.raises(UsageError, match="made with the extractor ganbench-digits-cnn, this run's FID uses x"):
        read.check_against("x", "cnn-w1", 4)
    with pytest.raises(UsageError, match="'cnn-w1', this run's is 'cnn-w2': other weights"):
        read.check_against("ganbench-digits-cnn", "cnn-w2", 4)
    with pytest.raises(UsageError, match="holds 4-d statistics, but this run's extractor .* gives 8-d"):
        read.check_against("ganbench-digits-cnn", "cnn-w1", 8)
    inception = stats_file.read(saved(tmp_path / "i.npz", mu=np.zeros(2048), sigma=np.eye(2048)))
    with pytest.raises(UsageError, match="use --fid-extractor inception-v3-compat"):
        inception.check_against("ganbench-digits-cnn", "cnn-w1", 128)


# --------------------------------------------------------------------------- writing


def test_what_is_written_reads_back_without_pickle_mu_sigma_as_float64(tmp_path):
    mu, sigma = np.arange(3, dtype=np.float32), np.eye(3)
    path = str(tmp_path / "w.npz")
    stats_file.write(path, mu, sigma, {"extractor": "e", "samples": 7, "format": stats_file.FORMAT})
    with np.load(path, allow_pickle=False) as found:
        assert found["mu"].dtype == np.float64 and found["sigma"].dtype == np.float64
        assert str(found["extractor"]) == "e" and int(found["samples"]) == 7
    read = stats_file.read(path)
    assert read.metadata == {"extractor": "e", "samples": 7, "format": stats_file.FORMAT}
    assert [p.name for p in tmp_path.iterdir()] == ["w.npz"]  # no temporary file left
    with pytest.raises(ValueError, match="not metadata"):
        stats_file.write(path, mu, sigma, {"colour": "red"})


def test_comparable_keeps_float32_means_exact_and_widens_others(tmp_path):
    fake = {"mu": np.array([0.1, 0.2], np.float32), "sigma": np.eye(2)}
    exact = stats_file.read(saved(tmp_path / "a.npz", mu=np.array([0.5, 0.25]), sigma=np.eye(2)))
    ours, theirs = stats_file.comparable(fake, exact)
    assert ours["mu"].dtype == theirs["mu"].dtype == np.float32  # 0.5 and 0.25 are exact in float32
    fine = stats_file.read(saved(tmp_path / "b.npz", mu=np.array([0.1, 0.2]), sigma=np.eye(2)))
    ours, theirs = stats_file.comparable(fake, fine)
    assert ours["mu"].dtype == theirs["mu"].dtype == np.float64 and theirs["mu"][0] == 0.1  # nothing rounded


# --------------------------------------------------------------------------- FID against a file


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return shared_cache(tmp_path_factory)


def test_fid_against_a_pytorch_fid_shaped_file_equals_scipys_frechet_distance(halves, cache, tmp_path):  # noqa: F811
    data, fake = halves
    plain = fid.FID(MetricContext(data, torch.device("cpu"), cache, {"fid_samples": len(fake)}))
    real = features(plain.extractor.name, data.x)
    path = saved(tmp_path / "ref.npz", mu=real.mean(0), sigma=np.cov(real, rowvar=False))  # only mu and sigma
    options = {"fid_samples": len(fake), "fid_reference": stats_file.pin(path)}
    metric = fid.FID(MetricContext(data, torch.device("cpu"), cache, options))
    [measured] = metric.compute(sampler(fake))
    expected = frechet_distance(features(metric.extractor.name, fake), real)
    [cached] = plain.compute(sampler(fake))
    print(f"FID vs imported file {measured.value:.6f}, scipy {expected:.6f}, vs cached statistics {cached.value:.6f}")
    assert measured.value == pytest.approx(expected, rel=1e-4)
    assert measured.value == pytest.approx(cached.value, rel=1e-4)  # the file holds the same real features
    assert measured.header.startswith(f"FID (ganbench-digits-half-cnn, {len(fake)} generated vs imported ref.npz, ")
    assert metric.info["reference"] == f"imported {options['fid_reference']}"


def test_fid_refuses_a_file_of_another_size_when_prepared(halves, cache, tmp_path):  # noqa: F811
    data, _ = halves
    options = {"fid_reference": stats_file.pin(saved(tmp_path / "r.npz", mu=np.zeros(64), sigma=np.eye(64)))}
    with pytest.raises(UsageError, match="holds 64-d statistics, but this run's extractor ganbench-digits-half-cnn"):
        fid.FID(MetricContext(data, torch.device("cpu"), cache, options))


def test_fid_refuses_an_imported_reference_under_tuning(halves, cache, tmp_path):  # noqa: F811
    data, _ = halves
    path = saved(tmp_path / "r.npz", mu=np.zeros(128), sigma=np.eye(128))
    options = {"fid_reference": stats_file.pin(path), "real_part": "selection"}
    with pytest.raises(UsageError, match="--fid-reference with --tune"):
        fid.FID(MetricContext(data, torch.device("cpu"), cache, options))


# --------------------------------------------------------------------------- through `ganbench run`

RUN = ["run", "--models", "dcgan", "--losses", "ns", "--dataset", "digits", "--budget", "5steps", "--checkpoints", "1"]


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"mu": np.zeros(64), "sigma": np.eye(64)}, "holds 64-d statistics, but this run's extractor"),
        (
            {"mu": np.zeros(128), "sigma": np.eye(128), "extractor": np.array("inception-v3-compat")},
            "was made with the extractor inception-v3-compat, this run's FID uses ganbench-digits-cnn",
        ),
        ({"arr_0": np.zeros(3)}, "has no 'mu' and 'sigma' arrays (it holds: arr_0)"),
    ],
    ids=["wrong-size", "other-extractor", "no-mu-sigma"],
)
def test_run_refuses_a_file_that_does_not_fit_in_one_line_and_writes_nothing(tmp_path, capsys, arrays, message):
    path, out = saved(tmp_path / "ref.npz", **arrays), tmp_path / "run"
    assert main([*RUN, "--metrics", "fid", "--fid-reference", path, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and err.startswith("ganbench: error:"), err
    assert not out.exists()
