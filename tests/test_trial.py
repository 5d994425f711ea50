"""One trial as plain data: its id, which plugin an error is blamed on, and failures kept inside the result."""

import dataclasses

from ganbench.budget import Budget
from ganbench.plugins import PluginOptions
from ganbench.trial import SessionKey, TrialJob, blame, own_words, run_trial
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


def raise_from(module_name: str, make_error):
    """An exception whose innermost frame runs in a module of that name (as a plugin's function would)."""
    namespace = {"__name__": module_name, "make_error": make_error}
    exec("def fail():\n    raise make_error()\n", namespace)
    try:
        namespace["fail"]()
    except Exception as error:
        return error


def test_blame_names_the_plugin_module_not_the_library_it_called():
    import numpy

    def inside_numpy():
        try:
            numpy.linalg.inv(numpy.zeros((2, 2)))
        except Exception as error:
            return error

    namespace = {"__name__": "myplugin.losses", "inside_numpy": inside_numpy}
    exec("def d_loss():\n    raise inside_numpy()\n", namespace)
    try:
        namespace["d_loss"]()
    except Exception as error:
        assert blame(error, ("myplugin",)) == "myplugin.losses"


def test_blame_falls_back_to_code_outside_the_core():
    error = raise_from("some_test_module", lambda: RuntimeError("boom"))
    assert blame(error, ("ganbench_plugins.losses",)) == "some_test_module"
    assert blame(raise_from("ganbench.train", lambda: RuntimeError("core"))) != "ganbench.train"  # never the core


def test_a_data_loader_workers_error_is_kept_to_its_own_line():
    text = (
        "Caught ValueError in DataLoader worker process 0.\nOriginal Traceback (most recent call last):\n"
        '  File "x.py", line 1\nValueError: image file is truncated'
    )
    assert own_words(RuntimeError(text)) == "image file is truncated"


def test_a_trial_whose_data_cannot_be_loaded_comes_back_as_an_error_result():
    broken = dataclasses.replace(KEY, dataset="no-such-data")
    result = run_trial(job(session=broken))
    assert result.status == "error" and "unknown data set 'no-such-data'" in result.reason


def test_a_trial_trains_and_brings_back_its_generator_and_scalars():
    result = run_trial(job())
    assert result.status == "done" and result.usage.steps == 3
    assert result.generator_state and {s.name for s in result.scalars} == {"d_loss", "g_loss", "d_real", "d_fake"}
