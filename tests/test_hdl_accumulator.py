"""Cycle-exact tests of hdl_gen.accumulator.GradientAccumulator (docs/ARCHITECTURE.md section 7)."""
import random

import numpy as np
import pytest
from amaranth.back import verilog
from amaranth.sim import Simulator

from hdl_gen.accumulator import GradientAccumulator


class RefH:
    """Section 7 on an H matrix, written from the document."""

    def __init__(self, rows, cols, acc_width):
        self.lo, self.hi = -(1 << (acc_width - 1)), (1 << (acc_width - 1)) - 1
        self.H = [[0] * cols for _ in range(rows)]

    def transfer(self, k, q, T):
        up, down = 0, 0
        for j, qj in enumerate(q):
            h = max(self.lo, min(self.hi, self.H[k][j] + qj))
            if h >= T:
                up |= 1 << j
                h -= T
            elif h <= -T:
                down |= 1 << j
                h += T
            self.H[k][j] = h
        return up, down


class Driver:
    """Testbench helpers that check every cycle of a command."""

    def __init__(self, dut, ctx):
        self.dut, self.ctx = dut, ctx

    async def transfer(self, k, q, T):
        """Returns (up, down) seen on the pulse outputs; checks the exact cycle timing."""
        dut, ctx = self.dut, self.ctx
        ctx.set(dut.row, k)
        ctx.set(dut.codes, q)
        ctx.set(dut.threshold, T)
        ctx.set(dut.start, 1)
        await ctx.tick()                                       # -> n+1
        ctx.set(dut.start, 0)
        # Sampled at start only: scramble.
        ctx.set(dut.row, (k + 1) % dut.rows)
        ctx.set(dut.codes, [-v // 2 for v in q])
        ctx.set(dut.threshold, 1)
        ctx.set(dut.clear, 1)                                  # ignored while busy
        assert ctx.get(dut.busy) == 1 and ctx.get(dut.upd_en) == 0 and ctx.get(dut.done) == 0
        await ctx.tick()                                       # -> n+2, slot 0
        ctx.set(dut.clear, 0)
        ctx.set(dut.start, 1)                                  # ignored while busy
        assert (ctx.get(dut.upd_en), ctx.get(dut.upd_set), ctx.get(dut.busy)) == (1, 1, 1)
        assert ctx.get(dut.row_pulse) == 1 << k
        up = ctx.get(dut.col_pulse)
        await ctx.tick()                                       # -> n+3, slot 1
        ctx.set(dut.start, 0)
        assert (ctx.get(dut.upd_en), ctx.get(dut.upd_set), ctx.get(dut.busy)) == (1, 0, 1)
        assert ctx.get(dut.row_pulse) == 1 << k
        down = ctx.get(dut.col_pulse)
        await ctx.tick()                                       # -> n+4
        assert (ctx.get(dut.upd_en), ctx.get(dut.done), ctx.get(dut.busy)) == (0, 1, 0)
        assert ctx.get(dut.row_pulse) == 0 and ctx.get(dut.col_pulse) == 0
        assert ctx.get(dut.upd_set) == 0
        await ctx.tick()
        assert ctx.get(dut.done) == 0
        return up, down

    async def read_row(self, r):
        dut, ctx = self.dut, self.ctx
        ctx.set(dut.rd_row, r)
        ctx.set(dut.rd_en, 1)
        await ctx.tick()
        ctx.set(dut.rd_en, 0)
        ctx.set(dut.rd_row, (r + 1) % dut.rows)
        row = [ctx.get(dut.rd_data[j]) for j in range(dut.cols)]
        await ctx.tick()
        # Held while rd_en is low.
        assert [ctx.get(dut.rd_data[j]) for j in range(dut.cols)] == row
        return row

    async def read_all(self):
        return [await self.read_row(r) for r in range(self.dut.rows)]

    async def clear(self):
        dut, ctx = self.dut, self.ctx
        ctx.set(dut.clear, 1)
        await ctx.tick()
        ctx.set(dut.clear, 0)
        for r in range(dut.rows):                              # cycles n+1 .. n+rows
            assert ctx.get(dut.busy) == 1 and ctx.get(dut.done) == 0
            assert ctx.get(dut.upd_en) == 0
            await ctx.tick()
        assert ctx.get(dut.done) == 1 and ctx.get(dut.busy) == 0
        await ctx.tick()
        assert ctx.get(dut.done) == 0


def run(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()


def test_saturation_at_both_ends():
    R, C, A = 3, 4, 10                  # H in [-512, 511]
    dut = GradientAccumulator(R, C, A)
    ref = RefH(R, C, A)
    T = 0xFFFFFFFF                      # never reached: pure saturating accumulation

    async def bench(ctx):
        d = Driver(dut, ctx)
        q = [300, -300, 32767, -32768]
        for _ in range(3):
            assert await d.transfer(1, q, T) == (0, 0)
            ref.transfer(1, q, T)
        assert (await d.read_row(1)) == [511, -512, 511, -512] == ref.H[1]
        # Back from the rails without wrap.
        q2 = [-1, 1, -32768, 32767]
        assert await d.transfer(1, q2, T) == (0, 0)
        ref.transfer(1, q2, T)
        assert (await d.read_row(1)) == [510, -511, -512, 511] == ref.H[1]
        assert (await d.read_all()) == ref.H
        assert ref.H[0] == [0] * C and ref.H[2] == [0] * C

    run(dut, bench)


def test_threshold_up_down_and_remainder():
    R, C, A = 4, 6, 16
    dut = GradientAccumulator(R, C, A)
    ref = RefH(R, C, A)

    async def bench(ctx):
        d = Driver(dut, ctx)
        T = 100
        # exact T -> up, 0 left; T-1 -> nothing; -T -> down; 250 -> up once, 150 left.
        q = [100, 99, -100, -99, 250, -250]
        up, down = await d.transfer(2, q, T)
        assert (up, down) == ref.transfer(2, q, T) == (0b010001, 0b100100)
        assert (await d.read_row(2)) == ref.H[2] == [0, 99, 0, -99, 150, -150]
        q = [0, 1, 0, -1, 0, 0]
        up, down = await d.transfer(2, q, T)
        assert (up, down) == ref.transfer(2, q, T) == (0b010010, 0b101000)
        assert (await d.read_row(2)) == ref.H[2] == [0, 0, 0, 0, 50, -50]
        # T = 1 fires on every nonzero entry.
        q = [0, 5, -5, 1, -1, 0]
        assert await d.transfer(0, q, 1) == ref.transfer(0, q, 1) == (0b001010, 0b010100)
        # T = 2**(A-1): only the negative rail reaches -T.
        Tm = 1 << (A - 1)
        q = [32767, -32768, 0, 0, 0, 0]
        assert await d.transfer(3, q, Tm) == ref.transfer(3, q, Tm) == (0, 0b10)
        assert ref.H[3][:2] == [32767, 0]
        # T = 2**(A-1) + 1 and beyond: nothing can fire.
        q = [1, -32768, 0, 0, 0, 0]
        for Tbig in (Tm + 1, Tm + 2, 1 << 20, 0xFFFFFFFF):
            assert await d.transfer(3, q, Tbig) == ref.transfer(3, q, Tbig) == (0, 0)
        assert (await d.read_all()) == ref.H

    run(dut, bench)


def test_random_transfers_clear_and_readback():
    rng = random.Random(2)
    R, C, A = 5, 7, 11
    dut = GradientAccumulator(R, C, A)
    ref = RefH(R, C, A)

    async def bench(ctx):
        d = Driver(dut, ctx)
        for it in range(60):
            k = rng.randrange(R)
            q = [rng.choice([rng.randint(-255, 255), rng.randint(-32768, 32767), 0])
                 for _ in range(C)]
            T = rng.choice([1, 7, 100, 255, 1023, 1024, 1025, 5000, 0xFFFFFFFF])
            assert await d.transfer(k, q, T) == ref.transfer(k, q, T), it
            if it % 15 == 14:
                assert (await d.read_all()) == ref.H
            if it == 30:
                await d.clear()
                ref.H = [[0] * C for _ in range(R)]
                assert (await d.read_all()) == ref.H
        assert (await d.read_all()) == ref.H

    run(dut, bench)


def test_back_to_back_and_simultaneous_strobes():
    """start in the done cycle is accepted; start wins over clear in the same cycle."""
    R, C, A = 2, 2, 8
    dut = GradientAccumulator(R, C, A)

    async def bench(ctx):
        ctx.set(dut.row, 0)
        ctx.set(dut.codes, [10, -10])
        ctx.set(dut.threshold, 4)
        ctx.set(dut.start, 1)
        ctx.set(dut.clear, 1)
        log = []
        for _ in range(9):
            await ctx.tick()
            log.append((ctx.get(dut.upd_en), ctx.get(dut.upd_set), ctx.get(dut.col_pulse),
                        ctx.get(dut.done)))
        ctx.set(dut.start, 0)
        ctx.set(dut.clear, 0)
        # Two transfers (n = 0 and n = 4) then a third starting at 8; H[0] = 10 -> 6, 16 -> 12..
        assert log[:8] == [(0, 0, 0, 0), (1, 1, 1, 0), (1, 0, 2, 0), (0, 0, 0, 1),
                           (0, 0, 0, 0), (1, 1, 1, 0), (1, 0, 2, 0), (0, 0, 0, 1)]
        await ctx.tick()
        await ctx.tick()
        await ctx.tick()
        d = Driver(dut, ctx)
        assert (await d.read_row(0)) == [18, -18]   # 3 x (+-10, then -+4)
        assert (await d.read_row(1)) == [0, 0]

    run(dut, bench)


def test_against_golden_model_if_present():
    """Same q fed to analog_models.tile_model.TileModel.transfer and to the RTL: H and pulses."""
    tm = pytest.importorskip("analog_models.tile_model")
    from analog_models.config import TileConfig
    from analog_models.crossbar import CrossbarArray, PeripheryParams
    from analog_models.device import DeviceParams

    cfg = TileConfig(rows=4, cols=6, adc_bits=6, acc_width=8)   # H in [-128, 127], Q = 31
    per = PeripheryParams(out_bound=1.0)
    arrays = [CrossbarArray(cfg.rows, cfg.cols, DeviceParams(), per, cfg.adc_bits, seed=s)
              for s in (3, 4)]
    model = tm.TileModel(cfg, arrays[0], arrays[1])
    rng = np.random.default_rng(9)
    arrays[0].program(rng.uniform(-1, 1, (cfg.rows, cfg.cols)))
    dut = GradientAccumulator(cfg.rows, cfg.cols, cfg.acc_width)

    async def bench(ctx):
        nonlocal rails
        d = Driver(dut, ctx)
        for it in range(40):
            if it % 10 == 0:
                model.set_thresh(int(rng.choice([1, 9, 40, 128, 129, 1 << 31])))
            k = int(rng.integers(cfg.rows))
            q = model.transfer(k, bool(rng.integers(2)))
            up, down = await d.transfer(k, [int(v) for v in q], model.thresh)
            rec_rows, rec_cols, rec_set = model.last_record
            assert list(rec_set) == [True, False]
            assert all(int(sum(1 << i for i, b in enumerate(r) if b)) == 1 << k for r in rec_rows)
            bits = [int(sum(1 << j for j, b in enumerate(c) if b)) for c in rec_cols]
            assert (up, down) == tuple(bits), it
            assert (up, down) == ref.transfer(k, [int(v) for v in q], model.thresh)
            rails += sum(v in (-128, 127) for v in ref.H[k])
        assert (await d.read_all()) == model.H.tolist() == ref.H
        assert rails > 0       # the run did reach the saturation rails

    rails = 0
    ref = RefH(cfg.rows, cfg.cols, cfg.acc_width)

    run(dut, bench)


def test_verilog_conversion():
    v = verilog.convert(GradientAccumulator(65, 32, 16), name="acc_test")
    assert "module acc_test" in v
