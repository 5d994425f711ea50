"""FID statistics files (``.npz``): imported as FID's reference (``--fid-reference``), written by ``fid-stats``.

The format is pytorch-fid's and the ADM (guided-diffusion) reference batches': a NumPy ``.npz``
with ``mu``, the mean of the reference features (d,), and ``sigma``, their covariance (d, d).
Such a file says nothing about the network that made it, so only its feature size can be
checked against the run's extractor (Inception's pool features are 2,048-d). The files
ganbench writes add small entries of their own (:data:`METADATA`), among them ``extractor`` (the
column label) and ``extractor_id`` (torch-fidelity's name of the network; for a ganbench network
it ends in the hash of its weights), which must then match the run's: FIDs against statistics of
another network are not FIDs. Everything is read with ``allow_pickle=False``.

The metric option ``fid_reference`` is the file's absolute path pinned to its content,
``PATH#sha256=HEX`` (16 hex digits), so that a trial's id changes with the file and a rerun of a
run whose file has changed since is refused instead of silently measuring against another one.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ganbench.errors import UsageError

PIN = "#sha256="
DIGEST_CHARS = 16  # 64 bits of sha256: another file never shares a trial id by chance
FORMAT = "ganbench-fid-statistics-1"
#: what ganbench writes beside mu and sigma, each a 0-d array (a string or an integer)
METADATA = (
    "format",
    "extractor",
    "extractor_id",
    "feature_size",
    "dataset",
    "dataset_fingerprint",
    "split",
    "image_size",
    "samples",
    "ganbench_version",
)


@dataclass(frozen=True)
class Statistics:
    """A statistics file as read: the reference's mean and covariance, and the entries beside them."""

    path: str
    digest: str
    mu: np.ndarray
    sigma: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def feature_size(self) -> int:
        return int(self.mu.shape[0])

    @property
    def pinned(self) -> str:
        """The metric option's value: the path and the content hash."""
        return f"{self.path}{PIN}{self.digest}"

    def describe(self) -> str:
        """How a heading names it: 'digits.npz (digits, 1797 real)', or the file's name alone."""
        made = [str(self.metadata[k]) for k in ("dataset",) if k in self.metadata]
        if "samples" in self.metadata:
            made.append(f"{self.metadata['samples']} real")
        return os.path.basename(self.path) + (f" ({', '.join(made)})" if made else "")

    def check_against(self, label: str, extractor_id: str, feature_size: int) -> None:
        """Refuse, in one line, a file made with another extractor or of another feature size than the run's."""
        where = f"--fid-reference {self.path}"
        made_with = self.metadata.get("extractor")
        if made_with is not None and made_with != label:
            # ganbench's networks are labelled by the data they were trained on; the others are --fid-extractor names
            if made_with.startswith("ganbench-"):
                fix = "score runs on the data set it was made from against it"
            else:
                fix = f"--fid-extractor {made_with}"
            raise UsageError(
                f"{where} was made with the extractor {made_with}, this run's FID uses {label}: FIDs are comparable "
                f"only with the same extractor ({fix})"
            )
        made_id = self.metadata.get("extractor_id")
        if made_id is not None and made_id != extractor_id:
            raise UsageError(
                f"{where} was made with {label} '{made_id}', this run's is '{extractor_id}': other weights give "
                "other features; write the file again with `ganbench fid-stats` where this run's network is cached"
            )
        if self.feature_size != feature_size:
            inception = self.feature_size == 2048  # pytorch-fid's and ADM's files
            hint = " (Inception's pool features, as pytorch-fid and ADM store them)" if inception else ""
            fix = "--fid-extractor inception-v3-compat" if inception else "the extractor the file was made with"
            raise UsageError(
                f"{where} holds {self.feature_size}-d statistics{hint}, but this run's extractor {label} gives "
                f"{feature_size}-d features: use {fix}"
            )


def pin(text: str) -> str:
    """argparse ``type=`` of --fid-reference: the file checked and read, as ``PATH#sha256=HEX``."""
    try:
        return read(text, option="").pinned
    except UsageError as error:  # argparse says which option: 'argument --fid-reference: PATH has no ...'
        raise argparse.ArgumentTypeError(str(error)) from None


def unpinned(text: str) -> tuple[str, str | None]:
    """``PATH#sha256=HEX`` -> (PATH, HEX); a plain path -> (path, None)."""
    path, mark, digest = text.rpartition(PIN)
    if mark and len(digest) == DIGEST_CHARS and all(c in "0123456789abcdef" for c in digest):
        return path, digest
    return text, None


def read(text: str, option: str = "--fid-reference") -> Statistics:
    """The statistics in the file ``text`` names (a path, or a pinned one whose content must not have changed);
    a problem is a UsageError naming ``option`` and the file."""
    path, expected = unpinned(text)
    path = os.path.abspath(path)
    where = f"{option} {path}".strip()
    if not os.path.isfile(path):
        raise UsageError(f"{where}: no such file")
    digest = file_digest(path)
    if expected is not None and digest != expected:
        raise UsageError(
            f"{where} has changed since it was chosen (sha256 {expected}, now {digest}): "
            "it would be another reference; give the file again to measure against what it holds now"
        )
    arrays = load_arrays(path, where)
    mu, sigma = arrays.pop("mu"), arrays.pop("sigma")
    check_shapes(mu, sigma, where)
    metadata = {key: plain(value) for key, value in arrays.items() if key in METADATA and value.ndim == 0}
    if "feature_size" in metadata and int(metadata["feature_size"]) != mu.shape[0]:
        raise UsageError(f"{where}: its feature_size entry says {metadata['feature_size']}, its mu holds {mu.shape[0]}")
    return Statistics(path, digest, mu, sigma, metadata)


def plain(value: np.ndarray) -> Any:
    """A 0-d entry as a Python value; bytes (NumPy's 'S' strings) as text."""
    item = value.item()
    return item.decode("utf-8", "replace") if isinstance(item, bytes) else item


def file_digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:DIGEST_CHARS]


def load_arrays(path: str, where: str) -> dict[str, np.ndarray]:
    """mu, sigma and ganbench's metadata from an .npz, never unpickling; the keys found when mu or sigma is missing."""
    with open(path, "rb") as handle:
        if handle.read(2) != b"PK":  # every .npz is a zip file; an .npy starts with b"\x93NUMPY"
            raise UsageError(f"{where} is not an .npz file (NumPy's zip of named arrays, as np.savez writes)")
    try:
        with np.load(path, allow_pickle=False) as found:
            keys = list(found.files)
            if "mu" not in keys or "sigma" not in keys:
                raise UsageError(
                    f"{where} has no 'mu' and 'sigma' arrays (it holds: {', '.join(keys) or 'nothing'}); "
                    "FID statistics store the features' mean as mu and their covariance as sigma"
                )
            # only what is used is read: an ADM reference batch also holds every image (arr_0)
            return {key: found[key] for key in keys if key in ("mu", "sigma", *METADATA)}
    except UsageError:
        raise
    except ValueError as error:  # an entry of Python objects, refused by allow_pickle=False
        raise UsageError(f"{where} is not an .npz of plain arrays ({str(error).splitlines()[0][:120]})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise UsageError(f"{where} cannot be read as an .npz file ({str(error).splitlines()[0][:120]})") from None


def check_shapes(mu: np.ndarray, sigma: np.ndarray, where: str) -> None:
    if mu.dtype.kind != "f" or sigma.dtype.kind != "f":
        raise UsageError(f"{where}: mu and sigma must hold floating-point numbers, not {mu.dtype} and {sigma.dtype}")
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]) or mu.shape[0] < 1:
        raise UsageError(
            f"{where}: mu {mu.shape} and sigma {sigma.shape} do not fit: mu is (d,) and sigma (d, d) for d features"
        )
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise UsageError(f"{where}: mu or sigma holds NaN or infinite values")


def write(path: str, mu: np.ndarray, sigma: np.ndarray, metadata: dict[str, Any]) -> None:
    """mu and sigma as float64 (pytorch-fid's dtype), the metadata as 0-d arrays; written whole (temp + rename)."""
    unknown = set(metadata) - set(METADATA)
    if unknown:
        raise ValueError(f"not metadata of a statistics file: {', '.join(sorted(unknown))}")
    arrays = {key: np.asarray(value) for key, value in metadata.items()}
    folder = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(dir=folder, suffix=".npz.tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, mu=np.asarray(mu, np.float64), sigma=np.asarray(sigma, np.float64), **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def comparable(fake: dict[str, np.ndarray], reference: Statistics) -> tuple[dict, dict]:
    """The generated and the imported statistics in one dtype, as torch-fidelity's Fréchet distance requires.

    torch-fidelity's means are float32 (the features') and its covariances float64; a file holds
    float64 (pytorch-fid). Where the file's values are exact in the generated side's dtype (a file
    ganbench wrote from its float32 means) they are used in it, so the arithmetic is the cached
    reference's, bit for bit; otherwise both are taken to the wider dtype, and nothing is rounded.
    """
    out_fake, out_ref = dict(fake), {"mu": reference.mu, "sigma": reference.sigma}
    for key in ("mu", "sigma"):
        ours, theirs = out_fake[key], out_ref[key]
        if ours.dtype == theirs.dtype:
            continue
        if np.array_equal(theirs.astype(ours.dtype).astype(theirs.dtype), theirs):
            out_ref[key] = theirs.astype(ours.dtype)
        else:
            wider = np.result_type(ours, theirs)
            out_fake[key], out_ref[key] = ours.astype(wider), theirs.astype(wider)
    return out_fake, out_ref
