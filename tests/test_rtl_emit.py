"""Verilog emission: the committed rtl/aicore_mlp.v is exactly what the generator produces, its
structure matches the contract (ports, hierarchy, macro parameters), and bad configurations fail
at generation time with a ConfigError naming the parameter."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analog_models.config import ConfigError, TileConfig
from hdl_gen.emit import DEFAULT_TILES, emit_verilog, generate_verilog
from hdl_gen.system import check_tiles

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "rtl" / "aicore_mlp.v"


def test_cli_regenerates_the_committed_verilog_exactly(tmp_path):
    out = tmp_path / "rtl" / "aicore_mlp.v"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "hdl_gen.emit", "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == COMMITTED.read_text(), (
        "rtl/aicore_mlp.v is stale (or the Amaranth/Yosys version changed): regenerate it with "
        "`python -m hdl_gen.emit`")


def test_emit_is_deterministic_and_returns_the_written_text(tmp_path):
    tiles = [TileConfig(rows=3, cols=2, max_bl=2, acc_width=12)]
    text = emit_verilog(tiles, tmp_path / "a" / "x.v", top_name="small_top")
    assert (tmp_path / "a" / "x.v").read_text() == text
    assert generate_verilog(tiles, "small_top") == text
    assert str(REPO) not in text and "(* src" not in text    # no paths or source locations


def module_body(text, name):
    start = re.search(rf"^module {re.escape(name)}\(", text, re.M)
    assert start, f"module {name} missing"
    return text[start.start():text.index("endmodule", start.start())]


def test_committed_verilog_structure():
    text = COMMITTED.read_text()
    # Header comment names the configuration.
    header = text[:text.index("module ")]
    for i, cfg in enumerate(DEFAULT_TILES):
        assert f"tile{i} (t{i}_*): {cfg.module_name}" in header
        assert f"rows={cfg.rows}, cols={cfg.cols}" in header
    # Top-level ports.
    top = module_body(text, "aicore_mlp")
    ports = set(re.search(r"module aicore_mlp\(([^)]*)\)", top).group(1).replace(" ", "")
                .split(","))
    want = {"clk", "rst"} | {f"t{i}_{p}" for i in range(2) for p in
                             ("bus_addr", "bus_wdata", "bus_we", "bus_re", "bus_rdata", "irq")}
    assert ports == want
    for decl in ("input [3:0] t0_bus_addr;", "input [31:0] t1_bus_wdata;",
                 "output [31:0] t0_bus_rdata;", "output t1_irq;", "input clk;", "input rst;"):
        assert decl in top
    # One module per tile size, instantiated as tile0 / tile1.
    assert re.search(r"^\s*aicore_tile_65x32 tile0 \(", top, re.M)
    assert re.search(r"^\s*aicore_tile_33x10 tile1 \(", top, re.M)
    assert text.count("module aicore_tile_65x32(") == 1
    assert text.count("module aicore_tile_33x10(") == 1
    # Each tile instantiates reram_xbar twice, as xbar_a and xbar_c, with its parameters.
    for cfg in DEFAULT_TILES:
        body = module_body(text, cfg.module_name)
        params = {"ROWS": cfg.rows, "COLS": cfg.cols, "ADC_BITS": cfg.adc_bits,
                  "LANES": cfg.sense_lanes, "MAX_SLOTS": cfg.max_slots,
                  "ADC_LATENCY": cfg.adc_latency}
        instances = re.findall(r"reram_xbar #\((.*?)\) (xbar_[ac]) \(", body, re.S)
        assert sorted(name for _, name in instances) == ["xbar_a", "xbar_c"]
        for plist, _ in instances:
            got = {k: int(v) for k, v in re.findall(r"\.(\w+)\(32'd(\d+)\)", plist)}
            assert got == params
    assert "module reram_xbar" not in text      # the macro is the hand-written black box


@pytest.mark.parametrize("field, value", [
    ("rows", 1), ("rows", 1025), ("cols", 0), ("dac_bits", 9), ("dac_bits", 2),
    ("adc_bits", 3), ("adc_bits", 15), ("max_bl", 0), ("max_bl", 64), ("acc_width", 33),
    ("bm_retries", 8), ("adc_latency", 0), ("adc_latency", 256), ("rows", 4.0), ("cols", True),
])
def test_invalid_config_names_the_parameter(field, value):
    with pytest.raises(ConfigError, match=field):
        TileConfig(**{field: value})


def test_acc_width_must_hold_one_read():
    with pytest.raises(ConfigError, match="acc_width"):
        TileConfig(adc_bits=12, acc_width=13)


def test_invalid_tile_lists_and_top_names():
    with pytest.raises(ConfigError, match="tiles"):
        generate_verilog([])
    with pytest.raises(ConfigError, match=r"tiles\[1\]"):
        generate_verilog([TileConfig(), {"rows": 65}])
    with pytest.raises(ConfigError, match=r"tiles\[1\].*aicore_tile_65x32"):
        generate_verilog([TileConfig(), TileConfig(max_bl=7)])
    with pytest.raises(ConfigError, match="tiles"):
        check_tiles("not a list")
    for bad in ("", "1top", "my top", "aicore_tile_65x32", "reram_xbar"):
        with pytest.raises(ConfigError, match="top_name"):
            generate_verilog([TileConfig()], bad)
