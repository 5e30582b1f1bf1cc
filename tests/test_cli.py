"""The `aicore` command line: bad input gives status 2 and one line; the model backend runs end
to end on digits and on a user's CSV and writes results.json and the plots."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from verif.cli import main

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args):
    proc = subprocess.run([sys.executable, "-m", "verif.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("args, needle", [
    (["train", "--bogus"], "unrecognized arguments: --bogus (see `aicore train --help`)"),
    (["train", "--out", ""], "--out must name a directory, got an empty string"),
    (["bench", "--build-dir", "tests"], "--build-dir tests: not empty and not made by `aicore bench`"),
    (["train", "--epochs", "0"], "--epochs must be in [1, 1000]"),
    (["train", "--epochs", "two"], "invalid int value"),
    (["train", "--algorithm", "adam"], "invalid choice: 'adam'"),
    (["train", "--chop-prob", "1.5"], "--chop-prob must be in [0, 1]"),
    (["train", "--thresh", "0"], "--thresh must be in"),
    (["train", "--device", "pcm"], "unknown device preset 'pcm'"),
    (["train", "--dataset", "/nonexistent/data.csv"], "no such file"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["train", "--settle-cycles", "0"], "--settle-cycles must be in [1, 10000]"),
    (["train", "--transfers-per-sample", "0"], "--transfers-per-sample must be in [1, 64]"),
    (["train", "--out", "/proc/no/such/dir"], "--out /proc/no/such/dir: cannot write"),
    (["train", "--out", "README.md"], "--out README.md: exists and is not a directory"),
    (["train", "--dataset", "tests"], "is a directory"),
    (["bench", "--samples", "0"], "--samples must be in [10, 1437]"),
    (["calibrate", "--device", "nope"], "--device: unknown device preset 'nope'"),
    (["rtl", "--out", "README.md/x.v"], "--out README.md: exists and is not a directory"),
])
def test_bad_input_exits_2_with_one_line(args, needle):
    code, out, err = run_cli(*args)
    assert code == 2
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert needle in lines[0]


def test_build_failure_is_one_line_and_status_1(tmp_path, monkeypatch, capsys):
    import verif.runner as runner

    def failing_build(*_args, **_kwargs):
        raise runner.BuildError("RTL build failed (verilator exited 1); see build/x/build.log")

    monkeypatch.setattr(runner, "build", failing_build)
    code = main(["train", "--train-limit", "8", "--test-limit", "8", "--epochs", "1",
                 "--out", str(tmp_path / "out"), "--build-dir", str(tmp_path / "build")])
    err = capsys.readouterr().err
    assert code == 1
    assert [line for line in err.splitlines() if line.strip()] == [
        "aicore: RTL build failed (verilator exited 1); see build/x/build.log"]


def test_missing_simulator_fails_before_any_work(tmp_path, monkeypatch, capsys):
    from verif import simulator

    def not_found():
        raise simulator.SimulatorNotFound("no usable Verilator >= 5.036 found (test)")

    monkeypatch.setattr(simulator, "find_verilator", not_found)
    out = tmp_path / "out"
    assert main(["train", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "aicore: no usable Verilator >= 5.036 found (test)"
    assert "baseline" not in captured.out and not out.exists()


def test_bad_csv_contents_are_named(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n" + "\n".join(f"{i},x,{i % 2}" for i in range(20)))
    code, _, err = run_cli("train", "--dataset", str(bad), "--backend", "model")
    assert code == 2 and "line 2 is not all numbers" in err and str(bad) in err


def test_model_backend_runs_on_a_user_csv(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6))
    y = (x[:, 0] + x[:, 1] > 0).astype(int) + 2 * (x[:, 2] > 0.5)
    csv = tmp_path / "blobs.csv"
    csv.write_text("f1,f2,f3,f4,f5,f6,label\n" +
                   "\n".join(",".join(f"{v:.4f}" for v in row) + f",{c}" for row, c in zip(x, y)))
    out = tmp_path / "out"
    assert main(["train", "--dataset", str(csv), "--backend", "model", "--epochs", "2",
                 "--hidden", "8", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["tiles"][0]["rows"] == 7 and results["config"]["tiles"][1]["cols"] == 4
    assert results["rtl_accuracy"] is None and 0.0 <= results["model_accuracy"] <= 1.0
    for png in ("training_curve.png", "accuracy_vs_time.png", "conductance_histograms.png"):
        assert (out / png).stat().st_size > 1000


def test_model_backend_on_digits_writes_the_documented_results(tmp_path):
    out = tmp_path / "digits"
    assert main(["train", "--backend", "model", "--epochs", "1", "--train-limit", "200",
                 "--test-limit", "60", "--out", str(out)]) == 0
    r = json.loads((out / "results.json").read_text())
    for key in ("fp_accuracy", "model_accuracy", "rtl_accuracy", "mismatches", "inference",
                "config"):
        assert key in r
    assert [p["t_seconds"] for p in r["inference"]] == [1.0, 3600.0, 86400.0, 31557600.0,
                                                        315576000.0]
    assert r["config"]["job"]["algorithm"] == "cttv2"
    assert r["config"]["dataset"] == {"name": "digits", "train": 1437, "test": 360,
                                      "features": 64, "classes": 10, "train_used": 200,
                                      "test_used": 60}
