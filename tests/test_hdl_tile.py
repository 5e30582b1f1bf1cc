"""Whole-tile tests in Amaranth's simulator, with `XbarModel` stand-ins for both macros.

A small integer "agent" plays the analog side like verif's cocotb agent does on the Verilog
macro: it wakes when int_en falls, turns the recorded widths and polarities into ADC codes
(q_k = clip(sum_l W[l, k] * x_l, -Q, Q) with x_l = +-width_l) and hands them to the macro. The
expected results come from the contract (ARCHITECTURE sections 2 and 4-7) re-derived here.
"""
import random

import pytest
from amaranth.sim import Simulator

from analog_models.config import TileConfig
from hdl_gen.bus import Buf, Err, Op, Reg
from hdl_gen.system import AicoreSystem
from hdl_gen.tile import AicoreTile, XbarModel

SMALL = TileConfig(rows=6, cols=5, dac_bits=4, adc_bits=6, max_bl=3, acc_width=8,
                   bm_retries=2, adc_latency=3)
WIDE = TileConfig(rows=3, cols=7, dac_bits=4, adc_bits=6, max_bl=2, acc_width=8,
                  bm_retries=1, adc_latency=1)
MASK32 = 0xFFFFFFFF


def cmd_word(op, array=0, neg=0, arg8=0, arg16=0):
    return op | array << 4 | neg << 5 | arg8 << 8 | arg16 << 16


def to_signed(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


# ------------------------------------------------------------------ reference (the contract)

def ref_read(cfg, W, codes, transposed, bound_management):
    """Section 4 on the integer agent: (out lanes, bm_shift, saturated)."""
    M, Q = cfg.dac_max, cfg.adc_max
    c = [max(-M, min(M, v)) for v in codes]
    s = 0
    while True:
        x = [(-1 if v < 0 else 1) * (abs(v) >> s) for v in c]
        q = agent_codes(cfg, W, x, transposed)
        sat = any(abs(v) >= Q for v in q)
        if sat and bound_management and s < cfg.bm_retries:
            s += 1
            continue
        return [to_signed(v << s, 16) for v in q], s, sat


def agent_codes(cfg, W, x, transposed):
    Q = cfg.adc_max
    if transposed:
        y = [sum(W[i][j] * x[j] for j in range(cfg.cols)) for i in range(cfg.rows)]
    else:
        y = [sum(W[i][j] * x[i] for i in range(cfg.rows)) for j in range(cfg.cols)]
    return [max(-Q, min(Q, v)) for v in y]


def xorshift32(x):
    x ^= (x << 13) & MASK32
    x ^= x >> 17
    x ^= (x << 5) & MASK32
    return x


def seed_states(seed, lines):
    return [((seed ^ ((n + 1) * 0x9E3779B9)) & MASK32) | 1 for n in range(lines)]


def ref_update(cfg, states, px, pd, bl):
    """Sections 5 and 6: the slot record [(rows bits, cols bits, set)], new generator states."""
    R = cfg.rows
    values = list(px) + list(pd)
    mag = [min(abs(v), 127) for v in values]
    neg = [v < 0 for v in values]
    record = []
    for upd_set, row_neg, col_neg in ((1, 0, 0), (1, 1, 1), (0, 0, 1), (0, 1, 0)):
        for _ in range(bl):
            states = [xorshift32(x) for x in states]
            fire = [neg[n] == (row_neg if n < R else col_neg) and (states[n] >> 25) < mag[n]
                    for n in range(len(values))]
            record.append((fire[:R], fire[R:], upd_set))
    return record, states


# ------------------------------------------------------------------ harness

class Harness:
    """Bus driver, integer agents for xbar_a / xbar_c and pulse-record capture."""

    def __init__(self, cfg, seed=0):
        self.cfg = cfg
        rng = random.Random(seed)
        self.W = {name: [[rng.randint(-3, 3) for _ in range(cfg.cols)] for _ in range(cfg.rows)]
                  for name in ("xbar_a", "xbar_c")}
        self.models = {}
        self.answer = True          # the agents answer conversions
        self.windows = {"xbar_a": [], "xbar_c": []}   # (rd_dir, widths, negs, window_len)
        self.records = {"xbar_a": [], "xbar_c": []}   # pulse records, one per upd_en burst
        self.dut = AicoreTile(cfg, self._factory)

    def _factory(self, cfg, name):
        self.models[name] = XbarModel(cfg)
        return self.models[name]

    def simulate(self, bench):
        sim = Simulator(self.dut)
        sim.add_clock(1e-6)
        for name in ("xbar_a", "xbar_c"):
            sim.add_testbench(self._agent(name), background=True)
            sim.add_testbench(self._recorder(name), background=True)

        async def testbench(ctx):
            await bench(ctx, self)

        sim.add_testbench(testbench)
        sim.run()

    def _agent(self, name):
        cfg, x = self.cfg, self.models[name]

        async def agent(ctx):
            while True:
                await ctx.negedge(x.int_en)
                rd_dir = ctx.get(x.rd_dir)
                n = cfg.cols if rd_dir else cfg.rows
                wbits = ctx.get(x.width_col if rd_dir else x.width_row)
                nbits = ctx.get(x.neg_col if rd_dir else x.neg_row)
                widths = [wbits >> (8 * l) & 0xFF for l in range(n)]
                negs = [nbits >> l & 1 for l in range(n)]
                self.windows[name].append((rd_dir, widths, negs, ctx.get(x.window_len)))
                if not self.answer:
                    continue
                xs = [-w if s else w for w, s in zip(widths, negs)]
                q = agent_codes(cfg, self.W[name], xs, rd_dir)
                # Junk in the lanes past the sense lines: the macro must zero them.
                q += [-1] * (cfg.sense_lanes - len(q))
                code = sum((v & ((1 << cfg.adc_bits) - 1)) << (cfg.adc_bits * k)
                           for k, v in enumerate(q))
                ctx.set(x.model_code, code)
                ctx.set(x.model_set, 1)
                await ctx.tick()
                ctx.set(x.model_set, 0)
        return agent

    def _recorder(self, name):
        cfg, x = self.cfg, self.models[name]

        async def recorder(ctx):
            while True:
                await ctx.negedge(x.upd_en)
                count = ctx.get(x.rec_count)
                rows, cols, sets = ctx.get(x.rec_rows), ctx.get(x.rec_cols), ctx.get(x.rec_set)
                self.records[name].append([
                    ([bool(rows >> (s * cfg.rows + i) & 1) for i in range(cfg.rows)],
                     [bool(cols >> (s * cfg.cols + j) & 1) for j in range(cfg.cols)],
                     sets >> s & 1)
                    for s in range(count)])
        return recorder

    # bus
    async def write(self, ctx, addr, data):
        dut = self.dut
        ctx.set(dut.bus_addr, addr)
        ctx.set(dut.bus_wdata, data & MASK32)
        ctx.set(dut.bus_we, 1)
        await ctx.tick()
        ctx.set(dut.bus_we, 0)

    async def read(self, ctx, addr):
        dut = self.dut
        ctx.set(dut.bus_addr, addr)
        ctx.set(dut.bus_re, 1)
        await ctx.tick()
        ctx.set(dut.bus_re, 0)
        return ctx.get(dut.bus_rdata)

    async def status(self, ctx):
        word = await self.read(ctx, Reg.STATUS)
        return {"busy": word & 1, "done": word >> 1 & 1, "error": word >> 2 & 1,
                "code": word >> 4 & 0xF, "bm_shift": word >> 8 & 0xF, "sat": word >> 12 & 1}

    async def command(self, ctx, word, limit=5000, clear=True):
        """CMD, then poll STATUS until idle. Returns the final status (error W1C-cleared)."""
        await self.write(ctx, Reg.CMD, word)
        for _ in range(limit):
            st = await self.status(ctx)
            if not st["busy"]:
                break
        else:
            raise AssertionError(f"tile still busy after {limit} polls")
        assert ctx.get(self.dut.irq) == (st["done"] | st["error"])
        if clear and st["error"]:
            await self.write(ctx, Reg.STATUS, 0b100)
        return st

    async def load(self, ctx, buf, values):
        st = await self.command(ctx, cmd_word(Op.LOAD, arg8=buf))
        assert st["done"] and not st["error"]
        for w in range(-(-len(values) // 4)):
            await self.write(ctx, Reg.DATA, sum((v & 0xFF) << (8 * k)
                                                for k, v in enumerate(values[4 * w:4 * w + 4])))

    async def read_out(self, ctx, buf, count, row=0):
        st = await self.command(ctx, cmd_word(Op.READ, arg8=buf, arg16=row))
        assert st["done"] and not st["error"]
        if buf == Buf.H:
            return [to_signed(await self.read(ctx, Reg.DATA), 32) for _ in range(count)]
        lanes = []
        for _ in range(-(-count // 2)):
            word = await self.read(ctx, Reg.DATA)
            lanes += [to_signed(word, 16), to_signed(word >> 16, 16)]
        return lanes[:count]


def random_codes(rng, n, big):
    hi = 127 if big else 3
    return [rng.randint(-hi, hi) for _ in range(n)]


# ------------------------------------------------------------------ tests

@pytest.mark.parametrize("cfg", [SMALL, WIDE], ids=["rows>cols", "cols>rows"])
def test_forward_backward_against_reference(cfg):
    h = Harness(cfg, seed=1)
    rng = random.Random(2)
    R, C = cfg.rows, cfg.cols

    async def bench(ctx, h):
        shifts = set()
        for trial in range(8):
            array = trial % 2
            name = "xbar_a" if array else "xbar_c"
            other = "xbar_c" if array else "xbar_a"
            big = trial >= 2
            # FORWARD
            xin = random_codes(rng, R, big)
            await h.load(ctx, Buf.XIN, xin)
            n_other = len(h.windows[other])
            st = await h.command(ctx, cmd_word(Op.FORWARD, array=array))
            assert st["done"] and not st["error"], st
            want, s, sat = ref_read(cfg, h.W[name], xin, False, True)
            assert (st["bm_shift"], st["sat"]) == (s, sat)
            assert await h.read_out(ctx, Buf.YCOL, C) == want
            shifts.add(s)
            # The last window: widths and polarity per row, exactly M cycles.
            rd_dir, widths, negs, window = h.windows[name][-1]
            M = cfg.dac_max
            assert (rd_dir, window) == (0, M)
            assert widths == [min(abs(v), M) >> s for v in xin]
            assert negs == [int(v < 0 and (min(abs(v), M) >> s) > 0) for v in xin]
            assert len(h.windows[other]) == n_other        # unselected array untouched
            # BACKWARD
            din = random_codes(rng, C, big)
            await h.load(ctx, Buf.DIN, din)
            st = await h.command(ctx, cmd_word(Op.BACKWARD, array=array))
            assert st["done"] and not st["error"], st
            want, s, sat = ref_read(cfg, h.W[name], din, True, True)
            assert (st["bm_shift"], st["sat"]) == (s, sat)
            assert await h.read_out(ctx, Buf.YROW, R) == want
            assert h.windows[name][-1][0] == 1
            assert len(h.windows[other]) == n_other
        assert 0 in shifts and max(shifts) > 0    # both plain reads and retries were covered

    h.simulate(bench)


def test_update_pulse_trains_against_reference():
    cfg = SMALL
    h = Harness(cfg)
    rng = random.Random(3)

    async def bench(ctx, h):
        states = seed_states(1, cfg.rows + cfg.cols)     # reset state: SEED = 1
        for trial in range(6):
            if trial == 3:
                await h.write(ctx, Reg.SEED, 0xC0FFEE)
                states = seed_states(0xC0FFEE, cfg.rows + cfg.cols)
            array = trial % 2
            name, other = ("xbar_a", "xbar_c") if array else ("xbar_c", "xbar_a")
            px = [rng.choice([-128, -127, -90, -40, 0, 40, 90, 127]) for _ in range(cfg.rows)]
            pd = [rng.choice([-128, -100, -64, 0, 64, 100, 127]) for _ in range(cfg.cols)]
            bl = 1 + trial % cfg.max_bl
            await h.load(ctx, Buf.PX, px)
            await h.load(ctx, Buf.PD, pd)
            n_other = len(h.records[other])
            st = await h.command(ctx, cmd_word(Op.UPDATE, array=array, arg8=bl))
            assert st["done"] and not st["error"], st
            want, states = ref_update(cfg, states, px, pd, bl)
            assert h.records[name][-1] == want
            assert len(h.records[other]) == n_other
        # No read happened: generators only step in UPDATE slots.
        assert h.windows == {"xbar_a": [], "xbar_c": []}

    h.simulate(bench)


def test_transfer_h_accumulation_and_clear():
    cfg = SMALL
    h = Harness(cfg, seed=4)
    rng = random.Random(5)
    M, R, C = cfg.dac_max, cfg.rows, cfg.cols
    lo, hi = -(1 << (cfg.acc_width - 1)), (1 << (cfg.acc_width - 1)) - 1

    async def bench(ctx, h):
        H = [[0] * C for _ in range(R)]
        for trial in range(10):
            T = [3, 7, 1, 40][trial % 4]
            await h.write(ctx, Reg.THRESH, T)
            k, neg = rng.randrange(R), rng.randrange(2)
            n_a, n_c = len(h.windows["xbar_a"]), len(h.windows["xbar_c"])
            st = await h.command(ctx, cmd_word(Op.TRANSFER, neg=neg, arg16=k))
            assert st["done"] and not st["error"], st
            # Read of A: one-hot row k at full width M, polarity neg, no bound management.
            onehot = [(-M if neg else M) if i == k else 0 for i in range(R)]
            q, s, sat = ref_read(cfg, h.W["xbar_a"], onehot, False, False)
            assert (st["bm_shift"], st["sat"]) == (0, sat)
            _, widths, negs, window = h.windows["xbar_a"][-1]
            assert (widths, window) == ([M if i == k else 0 for i in range(R)], M)
            assert negs == [neg if i == k else 0 for i in range(R)]
            assert (len(h.windows["xbar_a"]), len(h.windows["xbar_c"])) == (n_a + 1, n_c)
            assert await h.read_out(ctx, Buf.YCOL, C) == q
            up, down = [], []
            for j in range(C):
                v = max(lo, min(hi, H[k][j] + q[j]))
                up.append(v >= T)
                down.append(not up[-1] and v <= -T)
                H[k][j] = v - T if up[-1] else v + T if down[-1] else v
            rows = [i == k for i in range(R)]
            assert h.records["xbar_c"][-1] == [(rows, up, 1), (rows, down, 0)]
            assert await h.read_out(ctx, Buf.H, C, row=k) == H[k]
        assert h.records["xbar_a"] == []
        for row in range(R):
            assert await h.read_out(ctx, Buf.H, C, row=row) == H[row]
        st = await h.command(ctx, cmd_word(Op.CLEAR_H))
        assert st["done"] and not st["error"]
        for row in range(R):
            assert await h.read_out(ctx, Buf.H, C, row=row) == [0] * C

    h.simulate(bench)


def test_every_error_code_and_recovery():
    cfg = SMALL
    h = Harness(cfg, seed=6)

    async def expect_error(ctx, word, code):
        st = await h.command(ctx, word)
        assert (st["error"], st["code"], st["done"], st["busy"]) == (1, code, 0, 0), st

    async def bench(ctx, h):
        for op in range(8, 16):
            await expect_error(ctx, cmd_word(op), Err.ILLEGAL_OP)
        for word in (cmd_word(Op.UPDATE, arg8=0), cmd_word(Op.UPDATE, arg8=cfg.max_bl + 1),
                     cmd_word(Op.TRANSFER, arg16=cfg.rows), cmd_word(Op.LOAD, arg8=4),
                     cmd_word(Op.READ, arg8=2), cmd_word(Op.READ, arg8=7),
                     cmd_word(Op.READ, arg8=Buf.H, arg16=cfg.rows)):
            await expect_error(ctx, word, Err.BAD_ARG)
        await h.write(ctx, Reg.THRESH, 0)
        await expect_error(ctx, cmd_word(Op.TRANSFER, arg16=0), Err.BAD_ARG)
        await h.write(ctx, Reg.THRESH, 1)
        # BUSY: a CMD while FORWARD runs is refused; the FORWARD completes correctly.
        xin = [1, -2, 3, -4, 5, -6]
        await h.load(ctx, Buf.XIN, xin)
        await h.write(ctx, Reg.CMD, cmd_word(Op.FORWARD))
        assert (await h.status(ctx))["busy"] == 1
        await h.write(ctx, Reg.CMD, cmd_word(Op.LOAD, arg8=Buf.DIN))
        st = await h.status(ctx)
        assert (st["busy"], st["error"], st["code"]) == (1, 1, Err.BUSY)
        while st["busy"]:
            st = await h.status(ctx)
        assert st["done"] == 1 and st["code"] == Err.BUSY
        await h.write(ctx, Reg.STATUS, 0b110)
        assert await h.read_out(ctx, Buf.YCOL, cfg.cols) == ref_read(
            cfg, h.W["xbar_c"], xin, False, True)[0]
        # OVERRUN: one word past XIN, then past YCOL; the access is ignored / reads 0.
        await h.load(ctx, Buf.XIN, [7] * cfg.rows)
        await h.write(ctx, Reg.DATA, 0x7F7F7F7F)
        st = await h.status(ctx)
        assert (st["error"], st["code"]) == (1, Err.OVERRUN)
        await h.write(ctx, Reg.STATUS, 0b100)
        await h.read_out(ctx, Buf.YCOL, cfg.cols)
        assert await h.read(ctx, Reg.DATA) == 0
        st = await h.status(ctx)
        assert (st["error"], st["code"]) == (1, Err.OVERRUN)
        await h.write(ctx, Reg.STATUS, 0b100)
        # BAD_ADDR
        await h.write(ctx, 0xF, 1)
        st = await h.status(ctx)
        assert (st["error"], st["code"]) == (1, Err.BAD_ADDR)
        await h.write(ctx, Reg.STATUS, 0b100)
        # TIMEOUT: the macro never answers; the tile aborts and returns to idle.
        h.answer = False
        await h.write(ctx, Reg.CMD, cmd_word(Op.FORWARD, array=1))
        polls = 0
        st = await h.status(ctx)
        while st["busy"]:
            st = await h.status(ctx)
            polls += 1
        assert 1024 <= polls <= 1024 + 3 * cfg.dac_max + 20
        assert (st["error"], st["code"], st["done"]) == (1, Err.TIMEOUT, 0)
        await h.write(ctx, Reg.STATUS, 0b100)
        await expect_error(ctx, cmd_word(Op.TRANSFER, arg16=1), Err.TIMEOUT)
        assert h.records["xbar_c"] == []                  # aborted before the pulse phase
        # Recovery: the next read works (the stale conversion cannot leak into it).
        h.answer = True
        st = await h.command(ctx, cmd_word(Op.FORWARD))
        assert st["done"] and not st["error"]
        assert await h.read_out(ctx, Buf.YCOL, cfg.cols) == ref_read(
            cfg, h.W["xbar_c"], [7] * cfg.rows, False, True)[0]

    h.simulate(bench)


def test_streams_work_in_the_cycle_after_the_cmd_write():
    """No STATUS poll between LOAD / READ and the DATA accesses (back-to-back bus cycles)."""
    cfg = SMALL
    h = Harness(cfg, seed=10)

    async def bench(ctx, h):
        xin = [7, -7, 3, -3, 1, -1]
        await h.write(ctx, Reg.CMD, cmd_word(Op.LOAD, arg8=Buf.XIN))
        await h.write(ctx, Reg.DATA, 0xFD03F907)
        await h.write(ctx, Reg.DATA, 0x0000FF01)
        st = await h.command(ctx, cmd_word(Op.FORWARD))
        assert st["done"] and not st["error"]
        want = ref_read(cfg, h.W["xbar_c"], xin, False, True)[0]
        await h.write(ctx, Reg.CMD, cmd_word(Op.READ, arg8=Buf.YCOL))
        words = [await h.read(ctx, Reg.DATA) for _ in range(3)]
        got = [to_signed(w >> (16 * k), 16) for w in words for k in range(2)][:cfg.cols]
        assert got == want
        await h.write(ctx, Reg.THRESH, 1000)       # nothing crosses: H[2] = q
        st = await h.command(ctx, cmd_word(Op.TRANSFER, arg16=2))
        assert st["done"] and not st["error"]
        q = ref_read(cfg, h.W["xbar_a"], [cfg.dac_max if i == 2 else 0 for i in range(6)],
                     False, False)[0]
        await h.write(ctx, Reg.CMD, cmd_word(Op.READ, arg8=Buf.H, arg16=2))
        assert [to_signed(await h.read(ctx, Reg.DATA), 32) for _ in range(cfg.cols)] == q
        # Switching rows takes effect just as fast.
        await h.write(ctx, Reg.CMD, cmd_word(Op.READ, arg8=Buf.H, arg16=3))
        assert [await h.read(ctx, Reg.DATA) for _ in range(cfg.cols)] == [0] * cfg.cols
        st = await h.status(ctx)
        assert (st["done"], st["error"]) == (1, 0)

    h.simulate(bench)


def test_status_register_and_irq():
    cfg = SMALL
    h = Harness(cfg, seed=7)

    async def bench(ctx, h):
        dut = h.dut
        assert await h.status(ctx) == {"busy": 0, "done": 0, "error": 0, "code": 0,
                                       "bm_shift": 0, "sat": 0}
        assert ctx.get(dut.irq) == 0
        # NOP: done (and irq) right after the CMD write, never busy.
        await h.write(ctx, Reg.CMD, cmd_word(Op.NOP))
        assert ctx.get(dut.irq) == 1
        st = await h.status(ctx)
        assert (st["busy"], st["done"]) == (0, 1)
        # A long command clears done at its CMD write and shows busy.
        await h.load(ctx, Buf.XIN, [127] * cfg.rows)
        await h.write(ctx, Reg.CMD, cmd_word(Op.FORWARD))
        assert ctx.get(dut.irq) == 0
        busy_polls = 0
        while True:
            st = await h.status(ctx)
            if not st["busy"]:
                break
            assert (st["done"], st["error"]) == (0, 0)
            busy_polls += 1
        assert busy_polls > cfg.dac_max
        assert st["done"] == 1 and ctx.get(dut.irq) == 1
        want = ref_read(cfg, h.W["xbar_c"], [127] * cfg.rows, False, True)
        assert (st["bm_shift"], st["sat"]) == want[1:]
        # done is sticky until W1C; bm_shift / saturated stay until the next read.
        for _ in range(3):
            assert (await h.status(ctx))["done"] == 1
        await h.write(ctx, Reg.STATUS, 0b010)
        st = await h.status(ctx)
        assert (st["done"], st["bm_shift"], st["sat"]) == (0, *want[1:])
        assert ctx.get(dut.irq) == 0
        # An UPDATE does not touch bm_shift / saturated.
        await h.command(ctx, cmd_word(Op.UPDATE, arg8=1))
        st = await h.status(ctx)
        assert (st["done"], st["bm_shift"], st["sat"]) == (1, *want[1:])

    h.simulate(bench)


def test_default_size_tile_forward_and_transfer():
    """The 65x32 default tile: lane packing over many words and a full-size TRANSFER."""
    cfg = TileConfig(rows=65, cols=32, adc_latency=2)
    h = Harness(cfg, seed=8)
    rng = random.Random(9)

    async def bench(ctx, h):
        xin = [rng.randint(-128, 127) for _ in range(cfg.rows)]
        await h.load(ctx, Buf.XIN, xin)
        st = await h.command(ctx, cmd_word(Op.FORWARD))
        want, s, sat = ref_read(cfg, h.W["xbar_c"], xin, False, True)
        assert (st["done"], st["bm_shift"], st["sat"]) == (1, s, sat)
        assert await h.read_out(ctx, Buf.YCOL, cfg.cols) == want
        st = await h.command(ctx, cmd_word(Op.TRANSFER, neg=1, arg16=64))
        assert st["done"] and not st["error"]
        q = ref_read(cfg, h.W["xbar_a"], [-127 if i == 64 else 0 for i in range(65)],
                     False, False)[0]
        assert await h.read_out(ctx, Buf.YCOL, cfg.cols) == q
        assert await h.read_out(ctx, Buf.H, cfg.cols, row=64) == [
            v - 1 if v >= 1 else v + 1 if v <= -1 else 0 for v in q]

    h.simulate(bench)


def test_system_prefixes_and_independent_tiles():
    """AicoreSystem with stand-in macros: t<i>_ ports reach tile i only."""
    tiles = [SMALL, WIDE]
    system = AicoreSystem(tiles, macro_factory=lambda cfg, name: XbarModel(cfg))
    names = set(system.signature.members.keys())
    assert names == {f"t{i}_{p}" for i in range(2) for p in
                     ("bus_addr", "bus_wdata", "bus_we", "bus_re", "bus_rdata", "irq")}

    async def bench(ctx):
        for i, cfg in enumerate(tiles):
            p = lambda n: getattr(system, f"t{i}_{n}")
            ctx.set(p("bus_addr"), Reg.INFO0)
            ctx.set(p("bus_re"), 1)
        await ctx.tick()
        for i, cfg in enumerate(tiles):
            assert ctx.get(getattr(system, f"t{i}_bus_rdata")) == cfg.rows | cfg.cols << 12
            ctx.set(getattr(system, f"t{i}_bus_re"), 0)
        # NOP on tile 1 only raises tile 1's irq.
        ctx.set(system.t1_bus_addr, Reg.CMD)
        ctx.set(system.t1_bus_wdata, 0)
        ctx.set(system.t1_bus_we, 1)
        await ctx.tick()
        ctx.set(system.t1_bus_we, 0)
        assert (ctx.get(system.t0_irq), ctx.get(system.t1_irq)) == (0, 1)

    sim = Simulator(system)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
