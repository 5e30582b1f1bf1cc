"""Cycle-exact tests of hdl_gen.dac.PulseWidthDac (docs/ARCHITECTURE.md sections 3-4)."""
import gc
import random

import pytest
from amaranth.back import verilog
from amaranth.sim import Simulator

from hdl_gen.dac import PulseWidthDac


def ref_width(code: int, shift: int, dac_bits: int) -> int:
    """Section 4: width = min(|c|, M) >> s."""
    M = (1 << (dac_bits - 1)) - 1
    return min(abs(code), M) >> shift


def run(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()



@pytest.mark.parametrize("dac_bits", [7, 8, 3])
def test_pulse_widths_and_polarity(dac_bits):
    """Random codes and shifts: every line pulses exactly cycles n+1 .. n+w after go in n."""
    lines = 6
    M = (1 << (dac_bits - 1)) - 1
    dut = PulseWidthDac(lines, dac_bits)
    rng = random.Random(dac_bits)
    cases = [
        ([-128, 127, 0, -1, 1, M], 0),   # clip at both ends, zero, +-1
        ([-128, 127, 0, -1, 1, M], 1),
        ([63, -63, 62, -62, 2, -2], 2),
        ([100, -100, 5, 7, -9, 11], 7),  # everything shifted away
    ]
    cases += [([rng.randint(-128, 127) for _ in range(lines)], rng.randint(0, 7))
              for _ in range(12)]

    async def bench(ctx):
        # After reset: nothing pulses, no polarity.
        for _ in range(3):
            assert ctx.get(dut.pulse) == 0
            assert ctx.get(dut.neg) == 0
            await ctx.tick()
        prev_neg = 0
        for codes, shift in cases:
            widths = [ref_width(c, shift, dac_bits) for c in codes]
            negs = sum(1 << l for l, c in enumerate(codes) if c < 0)
            ctx.set(dut.codes, codes)
            ctx.set(dut.shift, shift)
            ctx.set(dut.go, 1)
            # Cycle n (go high): outputs still show the previous window's state.
            assert ctx.get(dut.neg) == prev_neg
            await ctx.tick()
            # Scramble the inputs: they must have been sampled in cycle n.
            ctx.set(dut.go, 0)
            ctx.set(dut.codes, [rng.randint(-128, 127) for _ in range(lines)])
            ctx.set(dut.shift, rng.randint(0, 7))
            seen = [0] * lines
            for k in range(1, M + 4):   # cycles n+1 .. n+M+3
                p = ctx.get(dut.pulse)
                assert ctx.get(dut.neg) == negs, f"neg wrong in cycle n+{k}"
                for l in range(lines):
                    exp = 1 if k <= widths[l] else 0
                    assert (p >> l) & 1 == exp, (
                        f"line {l} code {codes[l]} shift {shift}: cycle n+{k} pulse "
                        f"{(p >> l) & 1}, expected {exp}")
                    seen[l] += (p >> l) & 1
                await ctx.tick()
            assert seen == widths
            prev_neg = negs

    run(dut, bench)


def test_retrigger_and_back_to_back():
    """go during a running window restarts it; go in consecutive windows without a gap."""
    dut = PulseWidthDac(3, 7)

    async def bench(ctx):
        trace = []
        # Window 1 from cycle 0, retrigger in cycle 10 with other codes.
        schedule = {0: ([63, -20, 5], 0), 10: ([-7, 3, 40], 1), 11 + 63: ([2, 0, -1], 0)}
        for cyc in range(11 + 63 + 70):
            if cyc in schedule:
                codes, shift = schedule[cyc]
                ctx.set(dut.codes, codes)
                ctx.set(dut.shift, shift)
                ctx.set(dut.go, 1)
            else:
                ctx.set(dut.go, 0)
            await ctx.tick()
            trace.append((ctx.get(dut.pulse), ctx.get(dut.neg)))   # state of cycle cyc+1

        def expect(cyc):
            # Last go at or before cycle cyc-1 defines the outputs in cycle cyc.
            starts = [s for s in schedule if s < cyc]
            s = max(starts)
            codes, shift = schedule[s]
            k = cyc - s
            p = sum(1 << l for l, c in enumerate(codes) if k <= ref_width(c, shift, 7))
            n = sum(1 << l for l, c in enumerate(codes) if c < 0)
            return p, n

        for idx, got in enumerate(trace):
            cyc = idx + 1
            assert got == expect(cyc), f"cycle {cyc}: got {got}, expected {expect(cyc)}"

    run(dut, bench)


def test_verilog_conversion():
    v = verilog.convert(PulseWidthDac(4, 7), name="dac_test")
    assert "module dac_test" in v


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_bad_parameters():
    with pytest.raises(ValueError):
        PulseWidthDac(0, 7)
    with pytest.raises(ValueError):
        PulseWidthDac(4, 9)
    gc.collect()   # emit the UnusedElaboratable warnings while they are filtered
