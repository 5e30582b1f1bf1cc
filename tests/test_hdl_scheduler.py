"""Bit-exact tests of hdl_gen.scheduler.PulseScheduler (docs/ARCHITECTURE.md sections 5-6).

The reference below is written from the document only (it does not import hdl_gen).
"""
import random

import pytest
from amaranth.back import verilog
from amaranth.sim import Simulator

from hdl_gen.scheduler import PulseScheduler

MASK32 = 0xFFFFFFFF

# Section 5 table: sub-phase -> (upd_set, row sign that may fire, column sign that may fire).
PHASES = [(1, 0, 0), (1, 1, 1), (0, 0, 1), (0, 1, 0)]


class RefGenerators:
    """Independent model of sections 5-6."""

    def __init__(self, rows, cols, seed=1):
        self.rows, self.cols = rows, cols
        self.reseed(seed)

    def reseed(self, seed):
        self.state = [((seed ^ ((n + 1) * 0x9E3779B9)) % 2**32) | 1
                      for n in range(self.rows + self.cols)]

    @staticmethod
    def step(x):
        x ^= (x << 13) & MASK32
        x ^= x >> 17
        x ^= (x << 5) & MASK32
        return x

    def update(self, px, pd, bl):
        """Slots of one UPDATE: list of (row bits, col bits, upd_set)."""
        slots = []
        for phase in range(4):
            upd_set, row_sign, col_sign = PHASES[phase]
            for _ in range(bl):
                self.state = [self.step(x) for x in self.state]
                rbits = cbits = 0
                for i, v in enumerate(px):
                    m = min(abs(v), 127)
                    if (v < 0) == row_sign and (self.state[i] >> 25) < m:
                        rbits |= 1 << i
                for j, v in enumerate(pd):
                    m = min(abs(v), 127)
                    if (v < 0) == col_sign and (self.state[self.rows + j] >> 25) < m:
                        cbits |= 1 << j
                slots.append((rbits, cbits, upd_set))
        return slots


def probs(rng, n):
    special = [-128, -127, -1, 0, 1, 127, 64, -64]
    return [rng.choice(special) if rng.random() < 0.3 else rng.randint(-128, 127)
            for _ in range(n)]


def run_sequence(rows, cols, max_bl, ops, check_model=None, on_reseed=None):
    """ops: ("update", px, pd, bl, idle_before) | ("reseed", seed).

    Checks every cycle of every update against RefGenerators, cycle-exact.
    """
    dut = PulseScheduler(rows, cols, max_bl)
    ref = RefGenerators(rows, cols)
    stats = {"slots": 0, "fired": 0}

    async def bench(ctx):
        for op in ops:
            if op[0] == "reseed":
                ctx.set(dut.seed, op[1])
                ctx.set(dut.reseed, 1)
                await ctx.tick()
                ctx.set(dut.reseed, 0)
                ctx.set(dut.seed, 0x12345678)     # only sampled with the strobe
                ref.reseed(op[1])
                if on_reseed is not None:
                    on_reseed(op[1])
                continue
            _, px, pd, bl, idle = op
            for _ in range(idle):
                await ctx.tick()
                assert ctx.get(dut.upd_en) == 0 and ctx.get(dut.row_pulse) == 0
            ctx.set(dut.row_prob, px)
            ctx.set(dut.col_prob, pd)
            ctx.set(dut.bl, bl)
            ctx.set(dut.start, 1)
            await ctx.tick()
            ctx.set(dut.start, 0)
            ctx.set(dut.bl, max_bl - bl)          # bl is sampled at start only
            exp = ref.update(px, pd, bl)
            if check_model is not None:
                check_model(px, pd, bl, exp)
            for t, (rb, cb, us) in enumerate(exp):
                got = (ctx.get(dut.row_pulse), ctx.get(dut.col_pulse), ctx.get(dut.upd_set))
                assert ctx.get(dut.upd_en) == 1 and ctx.get(dut.busy) == 1, f"slot {t}"
                assert ctx.get(dut.done) == 0
                assert got == (rb, cb, us), f"bl {bl} slot {t}: got {got}, expected {rb, cb, us}"
                stats["slots"] += 1
                stats["fired"] += bin(rb).count("1") + bin(cb).count("1")
                # start while busy must be ignored
                ctx.set(dut.start, t == 1)
                await ctx.tick()
            ctx.set(dut.start, 0)
            # cycle n + 4*BL + 1
            assert ctx.get(dut.done) == 1
            assert ctx.get(dut.upd_en) == 0 and ctx.get(dut.busy) == 0
            assert ctx.get(dut.row_pulse) == 0 and ctx.get(dut.col_pulse) == 0
            assert ctx.get(dut.upd_set) == 0
            await ctx.tick()
            assert ctx.get(dut.done) == 0

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return stats


def test_small_array_sequence_with_reseeds():
    rng = random.Random(1)
    R, C, MAXBL = 5, 4, 6
    ops = []
    for _ in range(6):
        ops.append(("update", probs(rng, R), probs(rng, C), rng.randint(1, MAXBL),
                    rng.randint(0, 3)))
    ops.append(("reseed", 0xDEADBEEF))
    ops.append(("update", probs(rng, R), probs(rng, C), MAXBL, 0))
    ops.append(("reseed", 0))
    ops.append(("update", [127, -128, 50, -50, 0], [-128, 127, -1, 1], 3, 2))
    ops.append(("reseed", 1))     # back to the reset seeding
    ops.append(("update", probs(rng, R), probs(rng, C), 1, 0))
    stats = run_sequence(R, C, MAXBL, ops)
    assert stats["fired"] > 0


def test_back_to_back_updates_no_idle():
    """A start in the done cycle is accepted (generators continue without a gap)."""
    rng = random.Random(3)
    ops = [("update", probs(rng, 3), probs(rng, 2), bl, 0) for bl in (1, 2, 1, 4)]
    run_sequence(3, 2, 4, ops)


def test_full_size_tile():
    rng = random.Random(5)
    ops = [("update", probs(rng, 65), probs(rng, 32), 31, 0),
           ("update", probs(rng, 65), probs(rng, 32), 2, 1)]
    stats = run_sequence(65, 32, 31, ops)
    assert stats["slots"] == 4 * 33


def test_firing_statistics_and_gating():
    """All-positive PX / PD: only sub-phase 0 fires, at rate m/128 per line."""
    R, C, BL = 8, 8, 40
    dut_ops = [("update", [96] * R, [32] * C, BL, 0)]
    seen = {}

    def grab(px, pd, bl, exp):
        seen["exp"] = exp

    run_sequence(R, C, 63, dut_ops, check_model=grab)
    exp = seen["exp"]
    phase = [exp[p * BL:(p + 1) * BL] for p in range(4)]
    # Positive rows may fire in sub-phases 0 and 2, positive columns in 0 and 3: devices
    # (coincidences) see pulses in sub-phase 0 (SET) only.
    assert all(rb == 0 for p in (1, 3) for rb, _, _ in phase[p])
    assert all(cb == 0 for p in (1, 2) for _, cb, _ in phase[p])
    assert any(rb for rb, _, _ in phase[2]) and any(cb for _, cb, _ in phase[3])
    assert any(rb and cb for rb, cb, _ in phase[0])
    rows = sum(bin(rb).count("1") for rb, _, _ in exp[:BL]) / (R * BL)
    cols = sum(bin(cb).count("1") for _, cb, _ in exp[:BL]) / (C * BL)
    assert abs(rows - 0.75) < 0.1 and abs(cols - 0.25) < 0.1


def test_zero_bl_finishes_without_slots():
    dut = PulseScheduler(2, 2, 3)

    async def bench(ctx):
        ctx.set(dut.bl, 0)
        ctx.set(dut.start, 1)
        ctx.set(dut.row_prob, [127, 127])
        ctx.set(dut.col_prob, [127, 127])
        await ctx.tick()
        ctx.set(dut.start, 0)
        assert ctx.get(dut.done) == 1 and ctx.get(dut.upd_en) == 0
        await ctx.tick()
        assert ctx.get(dut.done) == 0
        # Generators did not step: a BL = 1 update now matches a fresh reference.
        ref = RefGenerators(2, 2)
        exp = ref.update([127, 127], [127, 127], 1)
        ctx.set(dut.bl, 1)
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        for rb, cb, us in exp:
            assert (ctx.get(dut.row_pulse), ctx.get(dut.col_pulse), ctx.get(dut.upd_set)) == \
                (rb, cb, us)
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()


def test_against_golden_model_if_present():
    """analog_models.tile_model.TileModel.update records the same slots (after reseeds too)."""
    tm = pytest.importorskip("analog_models.tile_model")
    from analog_models.config import TileConfig
    from analog_models.crossbar import CrossbarArray, PeripheryParams
    from analog_models.device import DeviceParams

    cfg = TileConfig(rows=6, cols=5, max_bl=7)
    arrays = [CrossbarArray(cfg.rows, cfg.cols, DeviceParams(), PeripheryParams(),
                            cfg.adc_bits, seed=s) for s in (1, 2)]
    model = tm.TileModel(cfg, arrays[0], arrays[1])
    rng = random.Random(13)
    ops = []
    for it in range(8):
        if it in (3, 6):
            ops.append(("reseed", rng.randrange(1 << 32)))
        ops.append(("update", probs(rng, cfg.rows), probs(rng, cfg.cols),
                    rng.randint(1, cfg.max_bl), rng.randint(0, 2)))
    compared = []

    def check(px, pd, bl, exp):
        model.update(px, pd, bl, "A")
        rec_rows, rec_cols, rec_set = model.last_record
        got = [(sum(1 << i for i, b in enumerate(r) if b), sum(1 << j for j, b in enumerate(c) if b),
                int(u)) for r, c, u in zip(rec_rows, rec_cols, rec_set)]
        assert got == exp
        compared.append(bl)

    def on_reseed(seed):
        model.set_seed(seed)

    run_sequence(cfg.rows, cfg.cols, cfg.max_bl, ops, check_model=check, on_reseed=on_reseed)
    assert len(compared) == 8


def test_verilog_conversion():
    v = verilog.convert(PulseScheduler(65, 32, 31), name="sched_test")
    assert "module sched_test" in v
