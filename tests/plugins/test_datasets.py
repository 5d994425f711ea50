"""The built-in data sets: each checked against an independent reading of its source.

Fast, CPU only, no network: MNIST comes from the shared test split (../shared/data/mnist),
everything else is bundled or written to tmp_path.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import pluggy
import pytest
import torch
from PIL import Image
from sklearn.datasets import load_digits

import ganbench_plugins.datasets as builtin
from ganbench import hookspecs
from ganbench.errors import UsageError
from ganbench.types import DataOptions, Dataset, DatasetSpec, DataUnavailable
from ganbench_plugins.datasets import idx

MNIST_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
MNIST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
needs_mnist = pytest.mark.skipif(
    not all((MNIST_DIR / f).is_file() for f in MNIST_FILES),
    reason=f"the shared MNIST test split is not at {MNIST_DIR} (see shared/data/README.md)",
)


def specs() -> dict[str, DatasetSpec]:
    return {spec.name: spec for spec in builtin.ganbench_datasets()}


def load(name: str, **options) -> Dataset:
    return specs()[name].load(DataOptions(**options))


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert message and "\n" not in message, f"not one line: {message!r}"
    return message


def idx_array(path: Path) -> np.ndarray:
    """An independent IDX reader: uint8 data after the 4-byte magic and the big-endian sizes."""
    data = gzip.open(path).read()
    ndim = data[3]
    shape = np.frombuffer(data, ">u4", count=ndim, offset=4)
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


@pytest.fixture(scope="module")
def mnist() -> Dataset:
    return load("mnist", root=str(MNIST_DIR), download=False)


# --------------------------------------------------------------------------- the hook


def test_hook_gives_every_builtin_through_pluggy():
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(builtin)
    names = [spec.name for result in manager.hook.ganbench_datasets() for spec in result]
    assert sorted(names) == sorted(
        ["ring8", "grid25", "digits", "mnist", "fashion-mnist", "cifar10", "stacked-mnist", "folder"]
    )


def test_every_spec_is_described_and_loads(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    Image.new("RGB", (8, 8), "green").save(pictures / "a.png")
    for spec in builtin.ganbench_datasets():
        assert spec.description and "\n" not in spec.description, spec.name
        assert spec.source and "\n" not in spec.source, spec.name
        assert spec.kind in ("image", "vector"), spec.name
        if spec.name in ("mnist", "stacked-mnist"):
            if not MNIST_DIR.is_dir():
                continue
            options = DataOptions(root=str(MNIST_DIR), download=False, image_size=16)
        elif spec.name in ("fashion-mnist", "cifar10"):
            with pytest.raises(DataUnavailable):  # no network in tests: the files are absent
                spec.load(DataOptions(root=str(empty), download=False))
            continue
        else:
            options = DataOptions(
                root=str(empty), download=False, argument=str(pictures) if spec.takes_argument else ""
            )
        data = spec.load(options)
        assert data.shape.kind == spec.kind, spec.name
        x = data.gather(torch.arange(len(data)))  # what every data set answers, streamed or not
        assert x.dtype == torch.float32 and tuple(x.shape[1:]) == data.shape.shape and data.source, spec.name
        if spec.kind == "image":
            assert x.min() >= -1 and x.max() <= 1, spec.name
        if spec.kind == "image" and spec.name != "folder":  # one flat folder has no classes
            assert data.labels is not None and data.labels.dtype == torch.int64, spec.name
            assert int(data.labels.max()) < data.num_classes, spec.name


# --------------------------------------------------------------------------- 2D mixtures


@pytest.mark.parametrize(
    "name, centres, std",
    [
        ("ring8", [(math.cos(2 * math.pi * k / 8), math.sin(2 * math.pi * k / 8)) for k in range(8)], 0.01),
        ("grid25", [(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], 0.05),
    ],
)
def test_mixture_modes_spread_and_balance(name, centres, std):
    data = load(name)
    expected = torch.tensor(centres, dtype=torch.float32)
    assert data.modes.shape == expected.shape
    torch.testing.assert_close(data.modes, expected, atol=1e-7, rtol=0)
    assert data.mode_std == std
    assert data.x.shape == (100_000, 2) and data.shape.kind == "vector"

    nearest = torch.cdist(data.x, expected).argmin(dim=1)
    k = len(centres)
    shares = torch.bincount(nearest, minlength=k).float() / len(data)
    assert (shares - 1 / k).abs().max() < 0.01, shares
    for mode in range(k):
        offsets = data.x[nearest == mode] - expected[mode]
        assert offsets.mean(dim=0).abs().max() < std / 5
        assert torch.allclose(offsets.std(dim=0), torch.tensor([std, std]), rtol=0.05)

    again = load(name)
    assert torch.equal(again.x, data.x)  # a fixed seed: every run sees the same data
    assert data.sample(500).shape == (500, 2)


# --------------------------------------------------------------------------- digits


def test_digits_is_the_sklearn_set_at_16px():
    data = load("digits")
    reference = load_digits()
    assert data.x.shape == (1797, 1, 16, 16)
    assert data.x.min() >= -1 and data.x.max() <= 1 and data.x.min() < -0.99 and data.x.max() > 0.99
    assert data.class_names == tuple("0123456789")
    assert torch.equal(data.labels, torch.from_numpy(reference.target).long())

    # Independent check: shrink back to 8x8 with PIL and compare with the original pixels (0..16).
    pixels = (data.x[:, 0].numpy() + 1) * 8
    back = np.stack([np.asarray(Image.fromarray(p, mode="F").resize((8, 8), Image.Resampling.BOX)) for p in pixels])
    assert np.abs(back - reference.images).mean() < 1.5
    assert np.corrcoef(back.ravel(), reference.images.ravel())[0, 1] > 0.97


def test_digits_honours_image_size():
    assert load("digits", image_size=32).x.shape == (1797, 1, 32, 32)
    with pytest.raises(UsageError):
        load("digits", image_size=0)


# --------------------------------------------------------------------------- MNIST from IDX files


@needs_mnist
def test_mnist_from_the_raw_test_split(mnist):
    labels = idx_array(MNIST_DIR / "t10k-labels-idx1-ubyte.gz")
    images = idx_array(MNIST_DIR / "t10k-images-idx3-ubyte.gz")
    assert mnist.x.shape == (10_000, 1, 32, 32) and mnist.x.dtype == torch.float32
    assert mnist.x.min() >= -1 and mnist.x.max() <= 1
    assert mnist.labels.dtype == torch.int64
    assert torch.equal(torch.bincount(mnist.labels, minlength=10), torch.from_numpy(np.bincount(labels, minlength=10)))
    assert torch.equal(mnist.labels, torch.from_numpy(labels.astype(np.int64)))
    assert mnist.class_names == tuple("0123456789")
    assert "test split" in mnist.source
    # The resized images keep the originals' ink: per-image mean brightness agrees closely.
    original = images.reshape(10_000, -1).mean(axis=1) / 255 * 2 - 1
    assert np.abs(mnist.x.flatten(1).mean(dim=1).numpy() - original).max() < 0.05


@needs_mnist
def test_mnist_corrupt_file_is_refused_with_its_checksum(tmp_path):
    for name in MNIST_FILES:
        shutil.copy(MNIST_DIR / name, tmp_path / name)
    target = tmp_path / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    actual = hashlib.md5(bytes(data)).hexdigest()

    with pytest.raises(UsageError) as error:
        load("mnist", root=str(tmp_path), download=False)
    message = one_line(error)
    assert "checksum" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert "ec29112dd5afa0611ce80d1b7f02629c" in message and actual in message


@pytest.mark.parametrize(
    "name, files",
    [
        ("mnist", ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]),
        ("fashion-mnist", ["train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]),
        ("stacked-mnist", ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"]),
        ("cifar10", ["cifar-10-python.tar.gz"]),
    ],
)
def test_absent_files_without_download_are_unavailable(tmp_path, name, files):
    with pytest.raises(DataUnavailable) as error:
        load(name, root=str(tmp_path), download=False)
    message = one_line(error)
    assert str(tmp_path) in message and "--data-root" in message
    for file in files:
        assert file in message
    assert list(tmp_path.iterdir()) == []  # nothing half-written


# --------------------------------------------------------------------------- Stacked MNIST


@needs_mnist
def test_stacked_mnist_labels_decode_to_each_channels_digit(mnist):
    stacked = load("stacked-mnist", root=str(MNIST_DIR), download=False)
    assert len(stacked) == 128_000 and stacked.shape.shape == (3, 32, 32)  # PacGAN's size, whatever MNIST holds
    assert stacked.split == "test" and "all 10,000 MNIST images found: test split" in stacked.source
    assert stacked.num_classes == 1000 and stacked.class_names[42] == "042"
    assert len(torch.unique(stacked.labels)) == 1000
    # Each channel is a copy of one MNIST image: look it up by its bytes; its label is the channel's digit.
    digits_of: dict[bytes, set[int]] = {}
    for image, label in zip(mnist.x.numpy(), mnist.labels.tolist()):
        digits_of.setdefault(image.tobytes(), set()).add(label)
    index = torch.randperm(len(stacked), generator=torch.Generator().manual_seed(0))[:200]
    for i, image in zip(index.tolist(), stacked.gather(index).numpy()):
        label = int(stacked.labels[i])
        digits = (label // 100, label // 10 % 10, label % 10)
        assert stacked.class_names[label] == "".join(map(str, digits))
        for channel, digit in enumerate(digits):
            assert digit in digits_of[image[channel : channel + 1].tobytes()]


@needs_mnist
def test_stacked_mnist_holds_single_digits_and_composes_images_by_index():
    stacked = load("stacked-mnist", root=str(MNIST_DIR), download=False, image_size=16)
    assert stacked.digits.shape == (10_000, 1, 16, 16)  # each MNIST digit once, not 128,000 x 3 images
    with pytest.raises(AttributeError, match="gather"):
        _ = stacked.x
    batch = stacked.sample(64, torch.Generator().manual_seed(1))
    assert batch.shape == (64, 3, 16, 16) and batch.dtype == torch.float32
    moved = stacked.to("cpu")
    assert torch.equal(moved.gather(torch.arange(5)), stacked.gather(torch.arange(5)))
    assert moved.fingerprint() == stacked.fingerprint()
    again = load("stacked-mnist", root=str(MNIST_DIR), download=False, image_size=16)
    assert again.fingerprint() == stacked.fingerprint() and torch.equal(again.labels, stacked.labels)


@needs_mnist
def test_stacked_mnist_draws_from_train_and_test_together(monkeypatch):
    test = idx.read_raw("mnist", DataOptions(root=str(MNIST_DIR), download=False))
    halves = [
        idx.RawDigits(test.images[:600], test.labels[:600], "train split (600 images) from here", "train"),
        idx.RawDigits(test.images[600:1000], test.labels[600:1000], "test split (400 images) from there", "test"),
    ]
    monkeypatch.setattr(idx, "read_splits", lambda name, options: halves)
    stacked = load("stacked-mnist", root=str(MNIST_DIR), download=False, image_size=16)
    assert stacked.split == "train+test" and len(stacked) == 128_000 and len(stacked.digits) == 1000
    assert "all 1,000 MNIST images found: train split (600 images) from here and test split" in stacked.source
    picked = torch.bincount(stacked.picks.flatten(), minlength=1000)
    assert picked[:600].sum() > 0 and picked[600:].sum() > 0  # both splits are drawn from


def test_every_mnist_split_is_found_the_training_split_first(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).touch()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (raw / name).touch()
    found = idx.find_splits("mnist", tmp_path)
    assert [(split, images.parent) for split, images, _ in found] == [("train", raw), ("test", tmp_path)]


# --------------------------------------------------------------------------- folder:PATH


def write_tree(root: Path) -> None:
    (root / "cats").mkdir(parents=True)
    (root / "dogs" / "nested").mkdir(parents=True)
    for i in range(3):
        Image.new("RGB", (20, 30), (255, 0, 0)).save(root / "cats" / f"{i}.png")
    Image.new("L", (40, 40), 255).save(root / "dogs" / "white.png")  # grey: converted to RGB
    Image.new("RGBA", (16, 16), (0, 0, 255, 255)).save(root / "dogs" / "nested" / "blue.png")
    (root / "dogs" / "notes.txt").write_text("not an image")


def every_sample(data):
    return data.gather(torch.arange(len(data)))


def test_folder_tree_loads_with_labels_from_subfolders(tmp_path):
    write_tree(tmp_path)
    data = load("folder", argument=str(tmp_path), image_size=16, workers=0)
    x = every_sample(data)
    assert data.shape.shape == (3, 16, 16) and x.shape == (5, 3, 16, 16) and x.dtype == torch.float32
    assert data.class_names == ("cats", "dogs")
    assert data.labels.tolist() == [0, 0, 0, 1, 1]
    torch.testing.assert_close(x[0].mean(dim=(1, 2)), torch.tensor([1.0, -1.0, -1.0]))  # red
    torch.testing.assert_close(x[4].mean(dim=(1, 2)), torch.tensor([1.0, 1.0, 1.0]))  # white


def test_a_flat_folder_or_a_single_class_is_unlabelled_at_64px(tmp_path):
    for i in range(2):
        Image.new("RGB", (100, 80), (0, 255, 0)).save(tmp_path / f"{i}.jpg")
    data = load("folder", argument=str(tmp_path))
    x = every_sample(data)
    assert x.shape == (2, 3, 64, 64) and x.min() >= -1 and x.max() <= 1
    assert data.labels is None and data.num_classes == 0  # no classifier can be trained on one class
    (tmp_path / "celeba" / "img_align_celeba").mkdir(parents=True)
    Image.new("RGB", (10, 10)).save(tmp_path / "celeba" / "img_align_celeba" / "a.png")
    assert load("folder", argument=str(tmp_path / "celeba")).labels is None


def test_folder_streams_and_decodes_as_pil_would(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (24, 40, 3), dtype=np.uint8)  # landscape: crop the middle
    Image.fromarray(pixels).save(tmp_path / "a.png")
    data = load("folder", argument=str(tmp_path), image_size=12, workers=0)
    assert "streamed" in data.loading
    with pytest.raises(AttributeError):
        _ = data.x
    expected = Image.fromarray(pixels).resize((20, 12), Image.Resampling.BILINEAR).crop((4, 0, 16, 12))
    expected = torch.from_numpy(np.array(expected)).permute(2, 0, 1).float() * 2 / 255 - 1
    torch.testing.assert_close(every_sample(data)[0], expected)


def test_folder_fingerprint_changes_when_a_file_does(tmp_path):
    write_tree(tmp_path)
    first = load("folder", argument=str(tmp_path), image_size=16).fingerprint()
    assert load("folder", argument=str(tmp_path), image_size=16).fingerprint() == first
    assert load("folder", argument=str(tmp_path), image_size=32).fingerprint() != first
    Image.new("RGB", (20, 30), (0, 0, 0)).save(tmp_path / "cats" / "1.png")  # same name, other pixels
    assert load("folder", argument=str(tmp_path), image_size=16).fingerprint() != first


def test_folder_bad_input_is_one_line(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(UsageError) as error:
        load("folder", argument=str(missing))
    assert "no such folder" in one_line(error) and str(missing) in str(error.value)

    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    with pytest.raises(UsageError) as error:
        load("folder", argument=str(empty))
    assert "no images" in one_line(error) and str(empty) in str(error.value)

    broken = tmp_path / "broken"
    broken.mkdir()
    Image.new("RGB", (8, 8)).save(broken / "good.png")
    (broken / "bad.png").write_bytes(b"\x00garbage, not a PNG\n" * 10)
    with pytest.raises(UsageError) as error:
        load("folder", argument=str(broken))
    assert "cannot decode" in one_line(error) and "bad.png" in str(error.value)
