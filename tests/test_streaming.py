"""Streamed data sets: what training and the metrics read, and that the workers never change it."""

import multiprocessing

import pytest
import torch

from ganbench.types import Dataset, DataShape, StreamedDataset
from ganbench.types.streaming import GATHER_IN_PROCESS, default_workers

SHAPE = DataShape("image", (1, 2, 2))


class Numbered(torch.utils.data.Dataset):
    """Sample i is a 1x2x2 uint8 image whose every pixel is i: a batch says which samples it holds."""

    def __init__(self, n: int, dtype=torch.uint8):
        self.n, self.dtype = n, dtype

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.full((1, 2, 2), i, dtype=self.dtype)


def streamed(n=10, workers=0, **kwargs):
    return StreamedDataset("numbered", Numbered(n), SHAPE, f"numbered {n}", workers=workers, **kwargs)


def ids(batch):
    """The sample numbers in a batch scaled to [-1, 1]: pixel = 2 i / 255 - 1."""
    return ((batch[:, 0, 0, 0] + 1) * 255 / 2).round().long().tolist()


def first_batches(data, count, batch_size, seed=0):
    batches = data.batches(batch_size, torch.Generator().manual_seed(seed))
    try:
        return [ids(next(batches)) for _ in range(count)]
    finally:
        batches.close()


def in_epochs(batches, n):
    seen = [i for batch in batches for i in batch]
    return [seen[k : k + n] for k in range(0, len(seen) - n + 1, n)]


def test_each_epoch_visits_every_sample_once_in_a_fresh_order_and_batches_run_across_epochs():
    batches = first_batches(streamed(10), 10, 4)  # 40 samples: exactly 4 epochs of 10
    assert all(len(b) == 4 for b in batches)
    epochs = in_epochs(batches, 10)
    assert len(epochs) == 4 and all(sorted(epoch) == list(range(10)) for epoch in epochs)
    assert len({tuple(epoch) for epoch in epochs}) == 4


def test_a_set_smaller_than_a_batch_fills_it_from_successive_epochs():
    batches = first_batches(streamed(3), 3, 8)
    assert all(len(b) == 8 for b in batches)
    assert all(sorted(epoch) == [0, 1, 2] for epoch in in_epochs(batches, 3))


def test_the_order_depends_on_the_seed_and_not_on_the_workers():
    alone = first_batches(streamed(40, workers=0), 6, 16, seed=1)
    assert first_batches(streamed(40, workers=2), 6, 16, seed=1) == alone
    assert first_batches(streamed(40, workers=0), 6, 16, seed=2) != alone


def test_uint8_pixels_are_scaled_to_the_unit_range_and_floats_pass_as_they_are():
    data = StreamedDataset("ends", Numbered(256), SHAPE, "ends", workers=0)
    out = data.gather(torch.tensor([0, 255, 51]))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out[:, 0, 0, 0], torch.tensor([-1.0, 1.0, 51 * 2 / 255 - 1]))
    floats = StreamedDataset("floats", Numbered(4, torch.float32), SHAPE, "floats", workers=0)
    assert floats.gather(torch.tensor([3]))[0, 0, 0, 0].item() == 3.0


@pytest.mark.parametrize("n", [5, GATHER_IN_PROCESS + 37])  # decoded here, and by DataLoader workers
def test_gather_returns_the_samples_at_the_index_in_its_order(n):
    index = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    assert ids(streamed(n, workers=2).gather(index)) == index.tolist()
    assert streamed(n).gather(torch.tensor([], dtype=torch.long)).shape == (0, 1, 2, 2)


def test_sample_draws_with_the_generator():
    data = streamed(50)
    first = ids(data.sample(20, torch.Generator().manual_seed(4)))
    assert first == ids(data.sample(20, torch.Generator().manual_seed(4))) and set(first) <= set(range(50))


def test_closing_the_batches_stops_the_worker_processes():
    before = set(multiprocessing.active_children())
    batches = streamed(40, workers=2).batches(8, torch.Generator().manual_seed(0))
    next(batches)
    assert len(set(multiprocessing.active_children()) - before) == 2
    batches.close()
    assert set(multiprocessing.active_children()) - before == set()


def test_no_samples_in_memory_and_reading_x_says_what_to_use():
    data = streamed(10)
    with pytest.raises(AttributeError, match="streams its samples from storage.*use gather"):
        _ = data.x
    assert isinstance(data, Dataset) and len(data) == 10 and data.shape == SHAPE


def test_fingerprint_follows_the_identity_and_labels_without_reading_samples():
    class Unreadable(Numbered):
        def __getitem__(self, i):
            raise AssertionError("the fingerprint decoded a sample")

    base = StreamedDataset("d", Unreadable(4), SHAPE, "files v1", labels=torch.tensor([0, 1, 0, 1]))
    same = StreamedDataset("d", Unreadable(4), SHAPE, "files v1", labels=torch.tensor([0, 1, 0, 1]))
    assert base.fingerprint() == same.fingerprint()
    assert (
        StreamedDataset("d", Unreadable(4), SHAPE, "files v2", labels=base.labels).fingerprint() != base.fingerprint()
    )
    assert (
        StreamedDataset("d", Unreadable(4), SHAPE, "files v1", labels=base.labels.flip(0)).fingerprint()
        != base.fingerprint()
    )


def test_to_gives_a_moved_copy_and_pins_memory_only_for_cuda():
    data = streamed(10)
    on_gpu = data.to("cuda")  # no CUDA is needed to build it (no labels to move), only to read from it
    assert data.device.type == "cpu" and on_gpu.device.type == "cuda" and on_gpu.items is data.items
    assert "pinned memory" in streamed(10, workers=2).to("cuda").loading
    assert not data._loader(data.items, 4).pin_memory
    assert on_gpu._loader(on_gpu.items, 4).pin_memory


def test_the_default_workers_are_half_the_threads_from_one_to_four():
    threads = torch.get_num_threads()
    try:
        for set_to, expected in [(1, 1), (2, 1), (6, 3), (16, 4)]:
            torch.set_num_threads(set_to)
            assert default_workers() == expected
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("workers", [0, 1])
def test_labelled_batches_bring_each_samples_own_label_in_the_order_batches_draw(workers):
    labels = torch.arange(10) % 3
    data = streamed(workers=workers, labels=labels, class_names=("a", "b", "c"))
    assert data.shape.classes == 3
    stream = data.labelled_batches(4, torch.Generator().manual_seed(0))
    try:
        drawn = [next(stream) for _ in range(3)]
    finally:
        stream.close()
    assert [ids(x) for x, _ in drawn] == first_batches(data, 3, 4)
    for x, y in drawn:
        assert y.tolist() == [i % 3 for i in ids(x)]
