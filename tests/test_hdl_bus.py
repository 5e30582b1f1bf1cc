"""Cycle tests of hdl_gen.bus.RegisterBus and hdl_gen.buffers.VectorBuffers (ARCHITECTURE
section 2: register map, registered reads, W1C STATUS, BAD_ADDR, DATA lane packing, OVERRUN)."""
import random

import pytest
from amaranth.sim import Simulator

from analog_models.config import TileConfig
from hdl_gen.buffers import ReadSel, VectorBuffers
from hdl_gen.bus import Buf, Err, Reg, RegisterBus, info_words

CFG = TileConfig(rows=7, cols=5, dac_bits=5, adc_bits=6, max_bl=9, acc_width=12, bm_retries=4,
                 adc_latency=3)


def run(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


async def write(ctx, dut, addr, data):
    ctx.set(dut.bus_addr, addr)
    ctx.set(dut.bus_wdata, data)
    ctx.set(dut.bus_we, 1)
    await ctx.tick()
    ctx.set(dut.bus_we, 0)


async def read(ctx, dut, addr):
    ctx.set(dut.bus_addr, addr)
    ctx.set(dut.bus_re, 1)
    await ctx.tick()
    ctx.set(dut.bus_re, 0)
    return ctx.get(dut.bus_rdata)


def status_fields(word):
    return {"busy": word & 1, "done": word >> 1 & 1, "error": word >> 2 & 1,
            "code": word >> 4 & 0xF, "bm_shift": word >> 8 & 0xF, "sat": word >> 12 & 1}


# ------------------------------------------------------------------------------ RegisterBus

def test_reset_values_info_and_unmapped_reads():
    dut = RegisterBus(CFG)
    info0, info1 = info_words(CFG)
    assert info0 == 7 | 5 << 12
    assert info1 == 5 | 6 << 4 | 9 << 8 | 12 << 14 | 4 << 20

    async def bench(ctx):
        assert await read(ctx, dut, Reg.THRESH) == 1
        assert await read(ctx, dut, Reg.SEED) == 1
        assert await read(ctx, dut, Reg.STATUS) == 0
        assert await read(ctx, dut, Reg.INFO0) == info0
        assert await read(ctx, dut, Reg.INFO1) == info1
        for addr in [Reg.CMD] + list(range(7, 16)):
            assert await read(ctx, dut, addr) == 0
        assert ctx.get(dut.irq) == 0
        # Writes to the read-only INFO registers are ignored without an error.
        await write(ctx, dut, Reg.INFO0, 0xFFFFFFFF)
        await write(ctx, dut, Reg.INFO1, 0xFFFFFFFF)
        assert await read(ctx, dut, Reg.INFO0) == info0
        assert await read(ctx, dut, Reg.STATUS) == 0

    run(dut, bench)


def test_registered_read_holds_until_next_read():
    dut = RegisterBus(CFG)

    async def bench(ctx):
        await write(ctx, dut, Reg.THRESH, 0x1234)
        ctx.set(dut.bus_addr, Reg.THRESH)
        ctx.set(dut.bus_re, 1)
        # Before the edge the old read data is still there.
        assert ctx.get(dut.bus_rdata) == 0
        await ctx.tick()
        ctx.set(dut.bus_re, 0)
        assert ctx.get(dut.bus_rdata) == 0x1234
        # A write, address changes and idle cycles do not disturb it.
        await write(ctx, dut, Reg.THRESH, 0x99)
        ctx.set(dut.bus_addr, Reg.INFO0)
        for _ in range(3):
            await ctx.tick()
            assert ctx.get(dut.bus_rdata) == 0x1234
        # The next read returns the value written before it.
        assert await read(ctx, dut, Reg.THRESH) == 0x99

    run(dut, bench)


def test_thresh_seed_and_reseed_strobe():
    dut = RegisterBus(CFG)

    async def bench(ctx):
        assert ctx.get(dut.reseed) == 0
        await write(ctx, dut, Reg.SEED, 0xDEADBEEF)
        # Cycle after the write: the strobe, with the new value already in place.
        assert ctx.get(dut.reseed) == 1
        assert ctx.get(dut.seed) == 0xDEADBEEF
        await ctx.tick()
        assert ctx.get(dut.reseed) == 0
        await write(ctx, dut, Reg.THRESH, 0xFFFFFFFF)
        assert ctx.get(dut.thresh) == 0xFFFFFFFF
        assert ctx.get(dut.reseed) == 0
        assert await read(ctx, dut, Reg.SEED) == 0xDEADBEEF
        assert await read(ctx, dut, Reg.THRESH) == 0xFFFFFFFF

    run(dut, bench)


def test_cmd_strobe_and_stream_strobes_are_combinational():
    dut = RegisterBus(CFG)

    async def bench(ctx):
        ctx.set(dut.bus_addr, Reg.CMD)
        ctx.set(dut.bus_wdata, 0xABCD1234)
        ctx.set(dut.bus_we, 1)
        assert ctx.get(dut.cmd.valid) == 1
        assert ctx.get(dut.cmd.word.op) == 4
        assert ctx.get(dut.cmd.word.array) == 1
        assert ctx.get(dut.cmd.word.neg) == 1
        assert ctx.get(dut.cmd.word.arg8) == 0x12
        assert ctx.get(dut.cmd.word.arg16) == 0xABCD
        assert ctx.get(dut.stream.we) == 0
        ctx.set(dut.bus_addr, Reg.DATA)
        assert ctx.get(dut.cmd.valid) == 0
        assert ctx.get(dut.stream.we) == 1
        assert ctx.get(dut.stream.wdata) == 0xABCD1234
        ctx.set(dut.bus_we, 0)
        ctx.set(dut.bus_re, 1)
        assert ctx.get(dut.stream.re) == 1
        assert ctx.get(dut.stream.we) == 0
        ctx.set(dut.stream.rdata, 0x5555AAAA)
        await ctx.tick()
        ctx.set(dut.bus_re, 0)
        assert ctx.get(dut.bus_rdata) == 0x5555AAAA

    run(dut, bench)


def test_status_events_w1c_and_cmd_clears_done():
    dut = RegisterBus(CFG)
    st = dut.status

    async def pulse(ctx, **values):
        for name, value in values.items():
            ctx.set(getattr(st, name), value)
        await ctx.tick()
        for name in values:
            if name not in ("busy", "code", "bm_shift", "saturated"):
                ctx.set(getattr(st, name), 0)

    async def bench(ctx):
        ctx.set(st.busy, 1)
        assert status_fields(await read(ctx, dut, Reg.STATUS))["busy"] == 1
        ctx.set(st.busy, 0)
        await pulse(ctx, done=1)
        assert ctx.get(dut.irq) == 1
        f = status_fields(await read(ctx, dut, Reg.STATUS))
        assert (f["busy"], f["done"], f["error"]) == (0, 1, 0)
        # W1C of bit 2 only leaves done alone; bit 1 clears it.
        await write(ctx, dut, Reg.STATUS, 0b100)
        assert status_fields(await read(ctx, dut, Reg.STATUS))["done"] == 1
        await write(ctx, dut, Reg.STATUS, 0b010)
        assert status_fields(await read(ctx, dut, Reg.STATUS))["done"] == 0
        assert ctx.get(dut.irq) == 0
        # A CMD write clears done.
        await pulse(ctx, done=1)
        await write(ctx, dut, Reg.CMD, 0)
        assert status_fields(await read(ctx, dut, Reg.STATUS))["done"] == 0
        # ... unless the controller signals done in that very cycle (NOP, LOAD, READ).
        ctx.set(st.done, 1)
        await write(ctx, dut, Reg.CMD, 0)
        ctx.set(st.done, 0)
        assert status_fields(await read(ctx, dut, Reg.STATUS))["done"] == 1
        # Errors: sticky with code; the latest code wins; W1C clears bit and code.
        await pulse(ctx, error=1, code=Err.BUSY)
        f = status_fields(await read(ctx, dut, Reg.STATUS))
        assert (f["error"], f["code"]) == (1, Err.BUSY)
        await pulse(ctx, error=1, code=Err.TIMEOUT)
        assert status_fields(await read(ctx, dut, Reg.STATUS))["code"] == Err.TIMEOUT
        assert ctx.get(dut.irq) == 1
        await write(ctx, dut, Reg.STATUS, 0b110)
        f = status_fields(await read(ctx, dut, Reg.STATUS))
        assert (f["done"], f["error"], f["code"]) == (0, 0, 0)
        assert ctx.get(dut.irq) == 0
        # A new error in the same cycle as the W1C write survives it.
        ctx.set(st.error, 1)
        ctx.set(st.code, Err.ILLEGAL_OP)
        await write(ctx, dut, Reg.STATUS, 0b110)
        ctx.set(st.error, 0)
        f = status_fields(await read(ctx, dut, Reg.STATUS))
        assert (f["error"], f["code"]) == (1, Err.ILLEGAL_OP)
        # bm_shift / saturated follow read_done only.
        ctx.set(st.bm_shift, 5)
        ctx.set(st.saturated, 1)
        await ctx.tick()
        f = status_fields(await read(ctx, dut, Reg.STATUS))
        assert (f["bm_shift"], f["sat"]) == (0, 0)
        await pulse(ctx, read_done=1)
        f = status_fields(await read(ctx, dut, Reg.STATUS))
        assert (f["bm_shift"], f["sat"]) == (5, 1)
        ctx.set(st.bm_shift, 2)
        ctx.set(st.saturated, 0)
        await pulse(ctx, read_done=1)
        f = status_fields(await read(ctx, dut, Reg.STATUS))
        assert (f["bm_shift"], f["sat"]) == (2, 0)

    run(dut, bench)


def test_bad_addr_and_overrun_errors_and_priority():
    dut = RegisterBus(CFG)

    async def code(ctx):
        f = status_fields(await read(ctx, dut, Reg.STATUS))
        await write(ctx, dut, Reg.STATUS, 0b100)
        return f["code"] if f["error"] else None

    async def bench(ctx):
        for addr in range(7, 16):
            await write(ctx, dut, addr, 0x1)
            assert await code(ctx) == Err.BAD_ADDR
        # Reading an unmapped address is not an error.
        await read(ctx, dut, 9)
        assert await code(ctx) is None
        # OVERRUN reported by the buffers on a DATA access.
        ctx.set(dut.stream.overrun, 1)
        await write(ctx, dut, Reg.DATA, 0)
        ctx.set(dut.stream.overrun, 0)
        assert await code(ctx) == Err.OVERRUN
        # Controller error and OVERRUN in one cycle: the controller's code is kept.
        ctx.set(dut.stream.overrun, 1)
        ctx.set(dut.status.error, 1)
        ctx.set(dut.status.code, Err.TIMEOUT)
        await write(ctx, dut, Reg.DATA, 0)
        ctx.set(dut.stream.overrun, 0)
        ctx.set(dut.status.error, 0)
        assert await code(ctx) == Err.TIMEOUT

    run(dut, bench)


# ------------------------------------------------------------------------------ VectorBuffers

def pack8(values):
    words = []
    for w in range(-(-len(values) // 4)):
        word = 0
        for k, v in enumerate(values[4 * w:4 * w + 4]):
            word |= (v & 0xFF) << (8 * k)
        words.append(word)
    return words


def unpack16(words, count):
    lanes = []
    for word in words:
        for k in range(2):
            v = word >> (16 * k) & 0xFFFF
            lanes.append(v - 0x10000 if v & 0x8000 else v)
    return lanes[:count]


async def buf_write(ctx, dut, word):
    ctx.set(dut.stream.we, 1)
    ctx.set(dut.stream.wdata, word)
    overrun = ctx.get(dut.stream.overrun)
    await ctx.tick()
    ctx.set(dut.stream.we, 0)
    return overrun


async def buf_read(ctx, dut):
    ctx.set(dut.stream.re, 1)
    word, overrun = ctx.get(dut.stream.rdata), ctx.get(dut.stream.overrun)
    await ctx.tick()
    ctx.set(dut.stream.re, 0)
    return word, overrun


async def strobe(ctx, *assignments):
    for sig, value in assignments:
        ctx.set(sig, value)
    await ctx.tick()
    for sig, _ in assignments:
        ctx.set(sig, 0)


@pytest.mark.parametrize("cfg", [CFG, TileConfig(rows=4, cols=9, acc_width=16)],
                         ids=["rows>cols", "cols>rows"])
def test_load_packing_partial_load_and_overrun(cfg):
    dut = VectorBuffers(cfg)
    rng = random.Random(cfg.rows)
    R, C = cfg.rows, cfg.cols
    outputs = {Buf.XIN: (dut.xin, R), Buf.DIN: (dut.din, C), Buf.PX: (dut.px, R),
               Buf.PD: (dut.pd, C)}

    async def bench(ctx):
        # No LOAD since reset: DATA writes overrun and change nothing.
        assert await buf_write(ctx, dut, 0x7F7F7F7F) == 1
        for sig, n in outputs.values():
            assert list(ctx.get(sig)) == [0] * n
        expect = {}
        for buf, (sig, n) in outputs.items():
            values = [rng.randint(-128, 127) for _ in range(n)]
            await strobe(ctx, (dut.ctl.load, 1), (dut.ctl.load_id, buf))
            words = pack8(values)
            # Garbage in the unused lanes of the last word must be ignored.
            words[-1] |= sum(0xA5 << (8 * k) for k in range(n % 4, 4)) if n % 4 else 0
            for word in words:
                assert await buf_write(ctx, dut, word) == 0
            assert list(ctx.get(sig)) == values
            # One word too many: OVERRUN, dropped.
            assert await buf_write(ctx, dut, 0x01010101) == 1
            assert list(ctx.get(sig)) == values
            expect[buf] = values
        # Every buffer kept its own contents.
        for buf, (sig, _) in outputs.items():
            assert list(ctx.get(sig)) == expect[buf]
        # Partial LOAD: only the first word changes, the rest is kept.
        await strobe(ctx, (dut.ctl.load, 1), (dut.ctl.load_id, Buf.XIN))
        await buf_write(ctx, dut, pack8([1, -2, 3, -4])[0])
        assert list(ctx.get(dut.xin)) == [1, -2, 3, -4] + expect[Buf.XIN][4:]
        # A new LOAD restarts at lane 0.
        await strobe(ctx, (dut.ctl.load, 1), (dut.ctl.load_id, Buf.XIN))
        await buf_write(ctx, dut, pack8([9, 9, 9, 9])[0])
        assert list(ctx.get(dut.xin))[:4] == [9, 9, 9, 9]

    run(dut, bench)


@pytest.mark.parametrize("cfg", [CFG, TileConfig(rows=4, cols=9, acc_width=16)],
                         ids=["rows>cols", "cols>rows"])
def test_y_capture_read_packing_and_overrun(cfg):
    dut = VectorBuffers(cfg)
    rng = random.Random(cfg.cols)
    R, C, L = cfg.rows, cfg.cols, cfg.sense_lanes

    async def bench(ctx):
        # No READ since reset: reads return 0 with OVERRUN.
        assert await buf_read(ctx, dut) == (0, 1)
        codes = [rng.randint(-32768, 32767) for _ in range(L)]
        ctx.set(dut.codes, codes)
        await strobe(ctx, (dut.ctl.ycol_we, 1))
        assert list(ctx.get(dut.ycol)) == codes[:C]
        assert list(ctx.get(dut.yrow)) == [0] * R
        codes2 = [rng.randint(-32768, 32767) for _ in range(L)]
        ctx.set(dut.codes, codes2)
        await strobe(ctx, (dut.ctl.yrow_we, 1))
        assert list(ctx.get(dut.yrow)) == codes2[:R]
        assert list(ctx.get(dut.ycol)) == codes[:C]
        for sel, want in ((ReadSel.YCOL, codes[:C]), (ReadSel.YROW, codes2[:R])):
            await strobe(ctx, (dut.ctl.read, 1), (dut.ctl.read_id, sel))
            words = []
            for _ in range(-(-len(want) // 2)):
                word, overrun = await buf_read(ctx, dut)
                assert overrun == 0
                words.append(word)
            assert unpack16(words, len(want)) == want
            if len(want) % 2:
                assert words[-1] >> 16 == 0          # lane past the end reads 0
            assert await buf_read(ctx, dut) == (0, 1)  # past the end
            assert await buf_read(ctx, dut) == (0, 1)
        # LOAD does not disturb the read stream.
        await strobe(ctx, (dut.ctl.read, 1), (dut.ctl.read_id, ReadSel.YCOL))
        await buf_read(ctx, dut)
        await strobe(ctx, (dut.ctl.load, 1), (dut.ctl.load_id, Buf.PD))
        word, _ = await buf_read(ctx, dut)
        assert unpack16([word], 2) == codes[2:4]

    run(dut, bench)


def test_h_row_readout_prefetch_and_sign_extension():
    cfg = CFG
    dut = VectorBuffers(cfg)
    A = cfg.acc_width
    rows = {r: [((r * 37 + j * 11) % (1 << A)) - (1 << (A - 1)) for j in range(cfg.cols)]
            for r in range(cfg.rows)}

    async def memory(ctx):
        # Stand-in for the accumulator's synchronous read port.
        async for clk_edge, rst, en, row in ctx.tick().sample(dut.h_rd_en, dut.h_rd_row):
            if en:
                ctx.set(dut.h_rd_data, rows[row])

    async def bench(ctx):
        assert ctx.get(dut.h_rd_en) == 1
        # The READ cycle already addresses the new row (prefetch for a read in the next cycle).
        ctx.set(dut.ctl.read, 1)
        ctx.set(dut.ctl.read_id, ReadSel.H)
        ctx.set(dut.ctl.read_row, 5)
        assert ctx.get(dut.h_rd_row) == 5
        await ctx.tick()
        ctx.set(dut.ctl.read, 0)
        assert ctx.get(dut.h_rd_row) == 5
        for j in range(cfg.cols):
            word, overrun = await buf_read(ctx, dut)
            assert overrun == 0
            assert word == rows[5][j] & 0xFFFFFFFF      # sign-extended to 32 bits
        assert await buf_read(ctx, dut) == (0, 1)
        # Reading YCOL afterwards keeps addressing the last H row (harmless, H unchanged).
        await strobe(ctx, (dut.ctl.read, 1), (dut.ctl.read_id, ReadSel.YCOL),
                      (dut.ctl.read_row, 2))
        assert ctx.get(dut.h_rd_row) == 5

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_process(memory)
    sim.add_testbench(bench)
    sim.run()
