"""The main job end to end, as `make demo` runs it, and the waveform option (slow: `make test-slow`)."""
import json

import pytest

from verif.cli import main
from verif.simulator import SimulatorNotFound, find_verilator

try:
    find_verilator()
    HAVE_VERILATOR = True
except SimulatorNotFound:
    HAVE_VERILATOR = False


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_VERILATOR, reason="no Verilator >= 5.036 found")
def test_default_demo_trains_through_the_rtl(tmp_path):
    out = tmp_path / "demo"
    assert main(["train", "--out", str(out)]) == 0
    r = json.loads((out / "results.json").read_text())
    assert r["mismatches"] == 0 and r["compared"] > 1_000_000
    assert r["rtl_accuracy"] >= 0.80, r["rtl_accuracy"]
    assert r["rtl_accuracy"] == r["model_accuracy"]
    assert [p["label"] for p in r["inference"]] == ["1 s", "1 h", "1 day", "1 year", "10 years"]
    assert all(p["rtl_accuracy"] >= 0.7 for p in r["inference"])
    assert (out / "dump.vcd").exists() is False


@pytest.mark.slow
def test_sgd_and_cttv2_on_the_model_backend(tmp_path):
    """c-TTv2 must beat plain SGD on this asymmetric device (the reason it is the default)."""
    acc = {}
    for algorithm in ("sgd", "cttv2"):
        out = tmp_path / algorithm
        assert main(["train", "--backend", "model", "--algorithm", algorithm, "--out",
                     str(out)]) == 0
        acc[algorithm] = json.loads((out / "results.json").read_text())["model_accuracy"]
    assert acc["cttv2"] >= 0.8 and acc["cttv2"] > acc["sgd"] + 0.2, acc


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_VERILATOR, reason="no Verilator >= 5.036 found")
def test_waves_write_a_vcd_of_the_tile_ports(tmp_path, capfd):
    """--waves builds a traced simulation and leaves dump.vcd with both tiles' bus ports."""
    out = tmp_path / "waves"
    assert main(["train", "--waves", "--train-limit", "2", "--test-limit", "2", "--epochs", "1",
                 "--out", str(out)]) == 0
    vcd = out / "dump.vcd"
    header = []
    with open(vcd) as f:
        for line in f:
            if line.startswith("$enddefinitions"):
                break
            header.append(line)
    names = [line.split()[4] for line in header if line.lstrip().startswith("$var")]
    for port in ("t0_bus_wdata", "t1_bus_rdata", "t0_irq", "acc__start", "adc__bm_shift"):
        assert port in names, port
    # rtl/sim.vlt keeps the generated Verilog's expression temporaries ($1, $auto$...) out.
    assert not [n for n in names if n.startswith("$")]
    assert json.loads((out / "results.json").read_text())["mismatches"] == 0
    # cocotb ending the simulation through VPI must not print Verilator's "$finish" line.
    captured = capfd.readouterr()
    assert "Verilog $finish" not in captured.out + captured.err
