"""Which plugin an error is blamed on, and the error in its own words."""

from ganbench.failures import blame, own_words


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
