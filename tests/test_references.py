"""Published numbers: the catalogue is cited, and entries match runs by data set, metric and extractor."""

import pandas as pd

from ganbench import catalogue, references

ENTRIES = {
    "paper-fid": {
        "paper": "Someone 2018",
        "table": "Table 2",
        "dataset": "cifar10",
        "metric": "fid",
        "extractor": "inception-v3-compat",
        "method": "SN-GAN",
        "value": 25.5,
        "protocol": "CNN, 100k steps",
    },
    "paper-modes": {
        "paper": "Other 2018",
        "table": "Table 1",
        "dataset": "ring8",
        "metric": "modes",
        "method": "GAN",
        "value": 6.3,
        "std": 0.5,
        "protocol": "MLP, 2,500 samples",
    },
}


def aggregate(metric, dataset_rows=2):
    return pd.DataFrame(
        [
            {
                "run": "r",
                "model": "dcgan",
                "loss": f"l{i}",
                "stabilisers": "none",
                "metric": metric,
                "label": metric,
                "n": 3,
                "mean": 30.0 + i,
                "ci_low": 28.0 + i,
                "ci_high": 32.0 + i,
                "mark": "",
            }
            for i in range(dataset_rows)
        ]
    )


def facts(name):
    return {"dataset": {"name": name}, "budget": "5m"}


def test_an_entry_matches_its_data_set_metric_and_extractor_only():
    found = references.matches(aggregate("fid[inception-v3-compat]"), facts("cifar10"), ENTRIES)
    assert [m.key for m in found] == ["paper-fid"]
    assert "5m" in found[0].difference and "CNN, 100k steps" in found[0].difference
    assert references.matches(aggregate("fid[ganbench-cifar10-cnn]"), facts("cifar10"), ENTRIES) == []
    assert references.matches(aggregate("fid[inception-v3-compat]"), facts("digits"), ENTRIES) == []


def test_the_frame_marks_published_rows_and_cites_the_source():
    found = references.matches(aggregate("modes"), facts("ring8"), ENTRIES)
    frame = references.frame(found)
    assert frame["kind"].tolist() == ["published", "measured", "measured"]
    assert frame.loc[0, "value"] == "6.3 ± 0.5" and "Other 2018, Table 1" in frame.loc[0, "source"]
    assert frame.loc[1, "source"] == "this run" and "95% CI" in frame.loc[1, "value"]


def test_every_catalogued_number_names_its_paper_table_source_and_protocol():
    entries = catalogue.load("references")
    for key, entry in entries.items():
        assert {"paper", "table", "dataset", "metric", "method", "value", "protocol"} <= set(entry), key
        assert isinstance(entry["value"], (int, float)), key
