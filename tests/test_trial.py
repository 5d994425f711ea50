"""One trial as plain data: its id, and failures kept inside the result."""

import dataclasses

import torch

from ganbench.budget import Budget
from ganbench.plugins import PluginOptions
from ganbench.trial import SessionKey, TrialJob, run_trial, training_share
from ganbench.types import DataOptions

KEY = SessionKey(PluginOptions(modules=("toy_plugin",)), "toy-line", DataOptions(), "cpu", (), (), "/tmp")


def job(**changes):
    base = TrialJob("toy-mlp", "toy-ns", (), 0, {"z_dim": 2, "batch_size": 8}, Budget("steps", 3), 1, KEY)
    return dataclasses.replace(base, **changes)


def test_the_id_is_a_hash_of_what_the_trial_measures_and_nothing_else():
    assert job().id == job().id and len(job().id) == 12
    assert job(seed=1).id != job().id
    assert job(hparams={"z_dim": 2, "batch_size": 16}).id != job().id
    assert job(position=5).id == job().id  # where it sits in the grid is not what it measures
    assert job(notes=("a note",)).id == job().id


def test_an_executor_reads_only_id_and_device():
    assert job().device == "cpu"


def test_a_trial_whose_data_cannot_be_loaded_comes_back_as_an_error_result():
    broken = dataclasses.replace(KEY, dataset="no-such-data")
    result = run_trial(job(session=broken))
    assert result.status == "error" and "unknown data set 'no-such-data'" in result.reason


def test_a_trial_trains_and_brings_back_its_generator_and_scalars():
    result = run_trial(job())
    assert result.status == "done" and result.usage.steps == 3
    assert result.generator_state and {s.name for s in result.scalars} == {"d_loss", "g_loss", "d_real", "d_fake"}


def _digits_like(n=50, labelled=True):
    from ganbench.types import Dataset

    x = torch.arange(n, dtype=torch.float32).reshape(n, 1)
    return Dataset(name="count", x=x, labels=torch.arange(n) % 5 if labelled else None)


def test_a_data_fraction_keeps_a_fixed_seeded_share_with_its_labels():
    data = _digits_like()
    share = training_share(data, 0.1)
    assert len(share) == 5 and share.x.shape == (5, 1)
    assert torch.equal(share.labels, share.x.flatten().long() % 5)  # each label stays with its sample
    assert torch.equal(training_share(data, 0.1).x, share.x)  # the same share every time (every trial)
    assert not torch.equal(share.x.flatten(), torch.arange(5.0))  # drawn at random, not the first five
    assert training_share(data, 1.0) is data


def test_a_streamed_data_set_shares_its_items_and_says_so_in_its_identity():
    from ganbench.types import DataShape, StreamedDataset

    items = torch.utils.data.TensorDataset(torch.arange(40, dtype=torch.float32).reshape(40, 1))
    streamed = StreamedDataset("count", items, DataShape("vector", (1,)), "count v1", workers=0)
    share = training_share(streamed, 0.25)
    assert len(share) == 10 and len(streamed) == 40  # the original keeps every item (the metrics' reference)
    assert "share 0.25" in share.identity and share.fingerprint() != streamed.fingerprint()


def test_another_data_fraction_is_another_trial_id():
    tenth = dataclasses.replace(KEY, data=DataOptions(fraction=0.1))
    assert job(session=tenth).id != job().id
    assert "data_fraction" not in job().config()  # whole-data trials keep the ids they had
