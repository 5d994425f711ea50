"""What both report pages say of a run: the data split and share, the one device, and pictures inside the run folder."""

import os

import pandas as pd
import pytest

from ganbench import report_facts
from ganbench.store import Store


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path)
    yield store
    store.close()


@pytest.mark.parametrize(
    "split, samples, said",
    [
        ("test", 10_000, "trained and scored on the same 10,000 test images"),
        ("all", 1_797, "all 1,797 images, for training and as the metrics' reference: the same images"),
    ],
)
def test_the_data_split_is_stated_plainly(store, split, samples, said):
    store.set("dataset", {"name": "mnist", "shape": "image 1x28x28", "samples": samples, "split": split})
    store.set("metric_info", {"fid": {}})
    assert report_facts.data_split(store).startswith(said)


def test_a_share_of_the_data_is_said_with_its_count_and_the_whole_as_reference(store):
    data = {"name": "digits", "shape": "image 1x8x8", "samples": 1_797, "split": "all"}
    store.set("dataset", {**data, "fraction": 0.1, "training_samples": 180})
    store.set("metric_info", {"fid": {}})
    assert (
        report_facts.data_split(store) == "trained on 180 of the 1,797 images (a 10% share), scored against all 1,797"
    )
    assert "10% share of them (180 samples" in report_facts.data_fraction(store.get("dataset"))
    assert report_facts.data_fraction(data) == ""  # the whole data set: nothing to say


def test_a_run_without_metrics_says_nothing_was_scored(store):
    store.set("dataset", {"name": "ring", "shape": "vector 2", "samples": 4_000, "split": "all"})
    assert report_facts.data_split(store) == "trained on all 4,000 points; no metric scored against them"


def test_the_device_is_said_once_only_when_every_trial_shares_it():
    same = pd.DataFrame({"device": ["cpu", "cpu", ""]})
    assert report_facts.one_device(same) == "cpu" and "device" not in report_facts.shown_trials(same)
    mixed = pd.DataFrame({"device": ["cpu", "cuda:0"]})
    assert report_facts.one_device(mixed) == "" and "device" in report_facts.shown_trials(mixed)


def test_a_picture_is_read_only_from_inside_the_run_folder(tmp_path):
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    (run / "samples" / "a.png").write_bytes(b"png")
    (tmp_path / "secret.png").write_bytes(b"secret")
    os.symlink(tmp_path / "secret.png", run / "samples" / "link.png")
    assert report_facts.picture_bytes(run, "samples/a.png") == b"png"
    for outside in ["../secret.png", str(tmp_path / "secret.png"), "samples/link.png", "samples/../../secret.png"]:
        assert report_facts.picture_bytes(run, outside) == report_facts.OUTSIDE, outside
    assert report_facts.picture_file(run, "samples/missing.png") is None
    assert report_facts.picture_file(run, None) is None
