"""Reports rendered from the database alone: report.md, report.html (opened in headless Chromium), exports, compare."""

import re
import shutil
import subprocess

import pytest

from ganbench.cli import main

PLUGINS = ["--plugin", "toy_plugin", "--plugin", "fault_plugin"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """2 seeds of a finishing configuration, one that raises and one the data never suits (skipped)."""
    out = tmp_path_factory.mktemp("report") / "toyrun"
    assert (
        main(
            [
                *PLUGINS,
                "run",
                "--models",
                "toy-mlp,fault-picky",
                "--losses",
                "toy-ns,fault-raise",
                "--seeds",
                "2",
                "--dataset",
                "toy-line",
                "--budget",
                "6steps",
                "--checkpoints",
                "2",
                "--metrics",
                "mean-gap",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_render_writes_every_report_and_keeps_unfinished_trials_visible(run_dir):
    for name in ("report.md", "report.html", "results.csv", "summary.csv", "summary_long.csv", "summary.tex"):
        assert (run_dir / name).is_file(), name
    text = (run_dir / "report.md").read_text()
    assert "Student t 95% confidence interval" in text and "Welch's t-test" in text and "single seed" in text
    assert "2/2" in text and "0/2" in text  # seeds finished per configuration
    assert "error (seeds 0, 1): RuntimeError: this loss fails on purpose" in text
    assert "skipped (seeds 0, 1)" in text
    page = (run_dir / "report.html").read_text()
    assert "fails on purpose" in page and "skipped" in page


def test_the_html_report_is_self_contained(run_dir):
    page = (run_dir / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page and "<script src" not in page and "@import" not in page
    images = re.findall(r'<img src="([^"]+)"', page)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    for section in (
        "summary-table",
        "trials-table",
        "curves",
        "throughput",
        "training",
        "snapshots",
        "interpolation",
        "manifest",
    ):
        assert f'id="{section}"' in page, section
    assert "toy_plugin" in page and "ganbench --plugin toy_plugin" in page  # manifest: plugins and command


def test_report_renders_one_format_from_the_database(run_dir, tmp_path, capsys):
    out = tmp_path / "table.tex"
    assert main([*PLUGINS, "report", str(run_dir), "--format", "latex", "--out", str(out)]) == 0
    text = out.read_text()
    assert r"\toprule" in text and r"\bottomrule" in text and "toy-mlp & toy-ns" in text
    capsys.readouterr()
    assert main(["report", str(run_dir), "--format", "csv"]) == 0
    assert "mean-gap mean" in capsys.readouterr().out
    assert main(["report", str(run_dir), "--out", str(tmp_path / "x")]) == 2
    assert "--out needs --format" in capsys.readouterr().err


def test_compare_labels_rows_by_run(run_dir, tmp_path, capsys):
    other = tmp_path / "second"
    shutil.copytree(run_dir, other)
    assert main(["compare", str(run_dir), str(other)]) == 0
    out = capsys.readouterr().out
    assert "| toyrun " in out and "| second " in out and out.count("toy-mlp") == 4
    assert main(["compare", str(run_dir), str(tmp_path / "nothing")]) == 2


def test_compare_shows_each_runs_budget_and_steps_and_warns_once_per_pair_on_other_data(run_dir, tmp_path, capsys):
    from ganbench.store import Store

    same, other = tmp_path / "same", tmp_path / "other"
    shutil.copytree(run_dir, same)
    shutil.copytree(run_dir, other)
    store = Store.open_existing(other)
    store.set("dataset", {**store.get("dataset"), "fingerprint": "0123456789abcdef"})  # the same name, other samples
    store.close()
    assert main(["compare", str(run_dir), str(same)]) == 0
    captured = capsys.readouterr()
    assert "| run " in captured.out and "| budget " in captured.out and "| 6steps " in captured.out
    assert "| 6 each " in captured.out and captured.err == ""
    assert main(["compare", str(run_dir), str(same), str(other)]) == 0
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 2 and all(line.startswith("ganbench: warning: ") for line in warnings)
    assert all("are on different data sets" in line and "0123456789abcdef" in line for line in warnings)


def test_the_report_lists_every_configurations_hyper_parameters_and_the_data_split(run_dir):
    text = (run_dir / "report.md").read_text()
    assert "**data split**: all 2,000 points, for training and as the metrics' reference" in text
    table = text.split("## Hyper-parameters")[1].split("##")[0]
    row = next(line for line in table.splitlines() if line.startswith("| toy-mlp/toy-ns/none "))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:2] == ["toy-mlp/toy-ns/none", "2"] and "0.001" in cells and "0.5, 0.999" in cells
    page = (run_dir / "report.html").read_text()
    assert 'id="hyper-parameters"' in page and "<dt>data split</dt>" in page


def chromium(*arguments, profile):
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_chromium_opens_the_report_runs_its_script_without_console_errors_and_sorts(run_dir, tmp_path):
    url = (run_dir / "report.html").resolve().as_uri()
    done = chromium("--dump-dom", f"{url}#sort=trials-table:5:desc", profile=tmp_path / "profile")
    dom = done.stdout
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    assert 'data-ready="yes"' in dom  # the inline script ran to its end
    first_trial_row = re.search(r'id="trials-table">.*?<tbody><tr>(.*?)</tr>', dom, re.S).group(1)
    assert "status-skipped" in first_trial_row  # sorted by status, descending, from the address
    assert 'aria-sort="descending"' in dom and "Results over seeds" in dom and "mean-gap" in dom
    shot = tmp_path / "report.png"
    chromium(
        "--screenshot=" + str(shot), "--window-size=1280,1600", "--hide-scrollbars", url, profile=tmp_path / "profile2"
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


REAL_RUNS = {
    # the two reports, with built-in components and step budgets small enough for a test
    "digits-2-seeds": [
        "--models",
        "dcgan",
        "--losses",
        "ns,hinge",
        "--seeds",
        "2",
        "--dataset",
        "digits",
        "--budget",
        "30steps",
        "--fid-samples",
        "200",
    ],
    "ring8-3-seeds": ["--models", "mlp", "--losses", "ns", "--seeds", "3", "--dataset", "ring8", "--budget", "60steps"],
}


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
@pytest.mark.parametrize("name", REAL_RUNS)
def test_chromium_renders_the_report_of_a_real_run_with_every_section(name, tmp_path):
    out = tmp_path / name
    assert main(["run", *REAL_RUNS[name], "--checkpoints", "2", "--device", "cpu", "--out", str(out)]) == 0
    done = chromium("--dump-dom", (out / "report.html").resolve().as_uri(), profile=tmp_path / "profile")
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    dom = done.stdout
    assert 'data-ready="yes"' in dom and "Results over seeds" in dom and "time split" in dom
    seeds = REAL_RUNS[name][REAL_RUNS[name].index("--seeds") + 1]
    assert f"{seeds}/{seeds}" in dom  # every seed finished and is counted in the summary
    if name.startswith("digits"):
        assert "FID (ganbench-digits-cnn, 200 generated vs 1797 real (all), 16 px as is)" in dom
        assert "classes covered" in dom
    else:
        assert "modes (of 8)" in dom and "% high quality" in dom and 'id="snapshots"' in dom


def test_the_latex_caption_claims_intervals_only_where_seeds_give_them(run_dir, tmp_path, capsys):
    from ganbench import report

    assert r"95\% Student t interval" in report.render_format(run_dir, "latex")
    single = tmp_path / "one-seed"
    arguments = ["--plugin", "toy_plugin", "run", "--models", "toy-mlp", "--losses", "toy-ns", "--dataset", "toy-line"]
    assert main([*arguments, "--budget", "4steps", "--metrics", "mean-gap", "--out", str(single)]) == 0
    caption = report.render_format(single, "latex")
    assert "Student t" not in caption and "Welch" not in caption
    assert "one seed per configuration: single values, no interval and no significance test" in caption


def test_a_run_on_a_share_of_the_data_says_so_and_keeps_the_whole_as_reference(tmp_path):
    out = tmp_path / "tenth"
    arguments = ["run", "--models", "toy-mlp", "--losses", "toy-ns", "--dataset", "toy-line", "--budget", "4steps"]
    assert main([*PLUGINS, *arguments, "--metrics", "mean-gap", "--data-fraction", "0.1", "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "**data split**: trained on 200 of the 2,000 points (a 10% share), scored against all 2,000" in text
    assert "--data-fraction 0.1: a fixed seeded subset, the same for every trial" in text
    assert "data_fraction = 0.1" in (out / "experiment.toml").read_text()  # a rerun trains on the same share
