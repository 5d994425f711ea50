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
        "spread": "standard error over 10 trials",
        "spread_value": 0.5,
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
    assert frame.loc[0, "value"] == "6.3 ± 0.5 (standard error over 10 trials)"
    assert "Other 2018, Table 1" in frame.loc[0, "source"]
    assert frame.loc[1, "source"] == "this run" and "95% CI" in frame.loc[1, "value"]


def test_every_catalogued_number_names_its_paper_table_source_and_protocol():
    entries = catalogue.load("references")
    for key, entry in entries.items():
        assert {"paper", "table", "dataset", "metric", "method", "value", "protocol"} <= set(entry), key
        assert isinstance(entry["value"], (int, float)), key
        if "spread_value" in entry:
            assert entry.get("spread"), f"{key}: a ± must say what it is (spread)"
        assert "std" not in entry, f"{key}: write the ± as spread_value with its spread"


def test_pacgans_stacked_mnist_rows_are_catalogued_as_its_table_2_prints_them():
    """Checked against the authors' image of Table 2 (github.com/fjxmlzn/PacGAN)."""
    entries = catalogue.load("references")
    rows = {
        e["method"]: e["value"] for e in entries.values() if e["dataset"] == "stacked-mnist" and e["metric"] == "modes"
    }
    assert rows["DCGAN (PacGAN's implementation) (PacGAN Table 2)"] == 78.9
    assert rows["PacDCGAN2 (PacGAN Table 2)"] == 1000.0
    kl = {
        e["method"]: e["value"]
        for e in entries.values()
        if e["dataset"] == "stacked-mnist" and e["metric"] == "reverse_kl"
    }
    assert kl["DCGAN (PacGAN's implementation) (PacGAN Table 2)"] == 4.50 and kl["PacDCGAN2 (PacGAN Table 2)"] == 0.06


def test_a_cifar10_run_is_shown_the_published_numbers_of_sngan_biggan_pggan_and_stylegan2_ada():
    fid = {m.key for m in references.matches(aggregate("fid[inception-v3-compat]"), facts("cifar10"))}
    assert {"miyato2018-sngan-resnet-cifar10-fid", "brock2019-biggan-cifar10-fid"} <= fid
    assert {"karras2020-stylegan2ada-cifar10-fid", "karras2020-stylegan2ada-uncond-cifar10-fid"} <= fid
    scores = references.matches(aggregate("inception_score[inception-v3-compat]"), facts("cifar10"))
    published = {m.key: m.published for m in scores}
    assert published["karras2018-pggan-cifar10-is"] == "8.8"
    assert published["brock2019-biggan-cifar10-is"] == "9.22"
    assert published["karras2020-stylegan2ada-cifar10-is"] == "10.14"
    assert published["karras2020-stylegan2ada-uncond-cifar10-is"] == "9.83"
    assert published["miyato2018-sngan-resnet-cifar10-is"].startswith("8.22 ± 0.05 (standard deviation over models")
    assert not references.matches(aggregate("fid[inception-v3-compat]"), facts("digits"))  # only where they apply


def test_the_cifar10_rows_quoted_from_song_et_al_table_3_are_catalogued_as_it_prints_them():
    """Song et al. 2021 (score SDE), Table 3: BigGAN and StyleGAN2-ADA under 'Conditional', and
    StyleGAN2-ADA under 'Unconditional'; each entry says it is quoted and names the table."""
    entries = catalogue.load("references")
    printed = {
        "brock2019-biggan-cifar10-fid": 14.73,
        "brock2019-biggan-cifar10-is": 9.22,
        "karras2020-stylegan2ada-cifar10-fid": 2.42,
        "karras2020-stylegan2ada-cifar10-is": 10.14,
        "karras2020-stylegan2ada-uncond-cifar10-fid": 2.92,
        "karras2020-stylegan2ada-uncond-cifar10-is": 9.83,
    }
    for key, value in printed.items():
        entry = entries[key]
        assert entry["value"] == value, key
        assert "arXiv:2011.13456), Table 3" in entry["source"], key
        conditional = "uncond" not in key
        assert ("class-conditional" in entry["method"]) == conditional, key
        assert ("unconditional" in entry["method"]) == (not conditional), key
