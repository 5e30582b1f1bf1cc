"""Cycle tests of hdl_gen.controller.Controller against scripted handshake partners
(ARCHITECTURE section 2 commands and errors, sections 4, 5 and 7 sequencing)."""
import pytest
from amaranth.sim import Simulator

from analog_models.config import TileConfig
from hdl_gen.buffers import ReadSel
from hdl_gen.bus import Buf, Err, Op
from hdl_gen.controller import Controller, RowSrc

CFG = TileConfig(rows=6, cols=4, max_bl=5, acc_width=12, adc_bits=8)


def cmd_word(op, array=0, neg=0, arg8=0, arg16=0):
    return op | array << 4 | neg << 5 | arg8 << 8 | arg16 << 16


def run(bench, cfg=CFG):
    dut = Controller(cfg)
    sim = Simulator(dut)
    sim.add_clock(1e-6)

    async def testbench(ctx):
        await bench(ctx, dut)

    sim.add_testbench(testbench)
    sim.run()


STROBES = ("done", "error", "read_done")


def snapshot(ctx, dut):
    """Every output of the controller in the current cycle, as a flat dict."""
    out = {}
    for group in ("status", "bufctl", "route", "adc", "sched", "acc"):
        iface = getattr(dut, group)
        for name, member in iface.signature.members.items():
            if member.flow.name == "Out":
                out[f"{group}.{name}"] = ctx.get(getattr(iface, name))
    return out


async def issue(ctx, dut, word):
    """Writes a CMD for one cycle; returns the outputs seen in that cycle."""
    ctx.set(dut.cmd.valid, 1)
    ctx.set(dut.cmd.word.as_value(), word)
    seen = snapshot(ctx, dut)
    await ctx.tick()
    ctx.set(dut.cmd.valid, 0)
    return seen


async def idle_cycle(ctx, dut):
    seen = snapshot(ctx, dut)
    await ctx.tick()
    return seen


async def finish_on(ctx, dut, done):
    """Pulse a sub-block's `done` for one cycle: the command completes and the tile goes quiet."""
    ctx.set(done, 1)
    assert snapshot(ctx, dut)["status.done"] == 1
    await ctx.tick()
    ctx.set(done, 0)
    assert_quiet(await idle_cycle(ctx, dut))


def assert_quiet(seen):
    """No strobe, no route, no start: the controller is idle and inert."""
    for key, value in seen.items():
        if key in ("status.code", "status.bm_shift", "status.saturated", "route.onehot_row",
                   "route.onehot_neg", "route.row_src", "route.rd_dir", "route.col_din",
                   "adc.bm_enable", "adc.sense_count", "sched.bl", "acc.row",
                   "bufctl.load_id", "bufctl.read_id", "bufctl.read_row"):
            continue
        assert value == 0, f"{key} = {value} while idle"


def test_immediate_commands_finish_in_the_write_cycle():
    async def bench(ctx, dut):
        ctx.set(dut.thresh, 1)
        seen = await issue(ctx, dut, cmd_word(Op.NOP))
        assert seen["status.done"] == 1 and seen["status.error"] == 0
        assert seen["status.busy"] == 0
        for buf in (Buf.XIN, Buf.DIN, Buf.PX, Buf.PD):
            seen = await issue(ctx, dut, cmd_word(Op.LOAD, arg8=buf))
            assert (seen["status.done"], seen["bufctl.load"], seen["bufctl.load_id"]) == (1, 1, buf)
            assert seen["bufctl.read"] == 0
        for buf, sel in ((Buf.YCOL, ReadSel.YCOL), (Buf.YROW, ReadSel.YROW), (Buf.H, ReadSel.H)):
            seen = await issue(ctx, dut, cmd_word(Op.READ, arg8=buf, arg16=CFG.rows - 1))
            assert (seen["status.done"], seen["bufctl.read"], seen["bufctl.read_id"]) == (1, 1, sel)
            assert seen["bufctl.read_row"] == CFG.rows - 1
            assert seen["bufctl.load"] == 0
        assert_quiet(await idle_cycle(ctx, dut))
        assert ctx.get(dut.status.busy) == 0

    run(bench)


@pytest.mark.parametrize("word, code", [
    (cmd_word(Op.UPDATE, arg8=0), Err.BAD_ARG),
    (cmd_word(Op.UPDATE, arg8=CFG.max_bl + 1), Err.BAD_ARG),
    (cmd_word(Op.UPDATE, arg8=255), Err.BAD_ARG),
    (cmd_word(Op.TRANSFER, arg16=CFG.rows), Err.BAD_ARG),
    (cmd_word(Op.TRANSFER, arg16=0xFFFF), Err.BAD_ARG),
    (cmd_word(Op.LOAD, arg8=4), Err.BAD_ARG),
    (cmd_word(Op.LOAD, arg8=255), Err.BAD_ARG),
    (cmd_word(Op.READ, arg8=3), Err.BAD_ARG),
    (cmd_word(Op.READ, arg8=7), Err.BAD_ARG),
    (cmd_word(Op.READ, arg8=Buf.H, arg16=CFG.rows), Err.BAD_ARG),
] + [(cmd_word(op, array=1, arg8=1), Err.ILLEGAL_OP) for op in range(8, 16)])
def test_refused_commands_report_and_stay_idle(word, code):
    async def bench(ctx, dut):
        ctx.set(dut.thresh, 1)
        seen = await issue(ctx, dut, word)
        assert (seen["status.error"], seen["status.code"]) == (1, code)
        assert seen["status.done"] == 0
        assert seen["bufctl.load"] == 0 and seen["bufctl.read"] == 0
        for _ in range(3):
            assert_quiet(await idle_cycle(ctx, dut))
        # Still accepts commands.
        assert (await issue(ctx, dut, cmd_word(Op.NOP)))["status.done"] == 1

    run(bench)


def test_transfer_with_zero_threshold_is_bad_arg():
    async def bench(ctx, dut):
        ctx.set(dut.thresh, 0)
        seen = await issue(ctx, dut, cmd_word(Op.TRANSFER, arg16=0))
        assert (seen["status.error"], seen["status.code"]) == (1, Err.BAD_ARG)
        assert_quiet(await idle_cycle(ctx, dut))
        ctx.set(dut.thresh, 0x80000000)
        await issue(ctx, dut, cmd_word(Op.TRANSFER, arg16=0))
        assert ctx.get(dut.status.busy) == 1

    run(bench)


async def wait_for(ctx, dut, key, limit=20):
    """Ticks until output `key` is high; returns (cycles waited, snapshot of that cycle)."""
    for n in range(limit):
        seen = snapshot(ctx, dut)
        if seen[key]:
            return n, seen
        await ctx.tick()
    raise AssertionError(f"{key} never rose")


@pytest.mark.parametrize("op, array", [(Op.FORWARD, 0), (Op.FORWARD, 1), (Op.BACKWARD, 0),
                                       (Op.BACKWARD, 1)])
def test_read_sequence(op, array):
    fwd = op == Op.FORWARD

    async def bench(ctx, dut):
        seen = await issue(ctx, dut, cmd_word(op, array=array))
        assert seen["status.done"] == 0 and seen["status.error"] == 0
        # Cycle n+1: busy, ADC started with bound management over the sense lines.
        seen = snapshot(ctx, dut)
        assert seen["status.busy"] == 1 and seen["adc.start"] == 1
        assert seen["adc.bm_enable"] == 1
        assert seen["adc.sense_count"] == (CFG.cols if fwd else CFG.rows)
        assert (seen["route.read_a"], seen["route.read_c"]) == (array, 1 - array)
        assert seen["route.rd_dir"] == (0 if fwd else 1)
        assert seen["route.row_src"] == (RowSrc.XIN if fwd else RowSrc.ZERO)
        assert seen["route.col_din"] == (0 if fwd else 1)
        assert seen["route.sched_a"] == seen["route.sched_c"] == seen["route.acc_c"] == 0
        await ctx.tick()
        # Waiting for the ADC: route held, no second start.
        for _ in range(7):
            seen = await idle_cycle(ctx, dut)
            assert seen["adc.start"] == 0 and seen["status.busy"] == 1
            assert (seen["route.read_a"], seen["route.read_c"]) == (array, 1 - array)
        ctx.set(dut.adc.done, 1)
        ctx.set(dut.adc.bm_shift, 2)
        ctx.set(dut.adc.saturated, 1)
        seen = snapshot(ctx, dut)
        assert seen["status.done"] == 1 and seen["status.read_done"] == 1
        assert (seen["status.bm_shift"], seen["status.saturated"]) == (2, 1)
        assert (seen["bufctl.ycol_we"], seen["bufctl.yrow_we"]) == ((1, 0) if fwd else (0, 1))
        await ctx.tick()
        ctx.set(dut.adc.done, 0)
        assert_quiet(await idle_cycle(ctx, dut))

    run(bench)


@pytest.mark.parametrize("neg", [0, 1])
def test_transfer_sequence(neg):
    k = CFG.rows - 2

    async def bench(ctx, dut):
        ctx.set(dut.thresh, 3)
        # The array flag is ignored: TRANSFER always reads A.
        await issue(ctx, dut, cmd_word(Op.TRANSFER, array=0, neg=neg, arg16=k))
        seen = snapshot(ctx, dut)
        assert seen["adc.start"] == 1 and seen["adc.bm_enable"] == 0
        assert seen["adc.sense_count"] == CFG.cols
        assert (seen["route.read_a"], seen["route.read_c"], seen["route.rd_dir"]) == (1, 0, 0)
        assert seen["route.row_src"] == RowSrc.ONEHOT
        assert (seen["route.onehot_row"], seen["route.onehot_neg"]) == (k, neg)
        await ctx.tick()
        await ctx.tick()
        ctx.set(dut.adc.done, 1)
        seen = snapshot(ctx, dut)
        assert seen["bufctl.ycol_we"] == 1 and seen["status.read_done"] == 1
        assert seen["status.done"] == 0 and seen["acc.start"] == 0
        await ctx.tick()
        ctx.set(dut.adc.done, 0)
        # Next cycle: the accumulator starts on the captured YCOL and owns C's update pins.
        seen = snapshot(ctx, dut)
        assert (seen["acc.start"], seen["acc.row"], seen["route.acc_c"]) == (1, k, 1)
        assert seen["route.read_a"] == 0 and seen["route.read_c"] == 0
        await ctx.tick()
        for _ in range(3):
            seen = await idle_cycle(ctx, dut)
            assert seen["acc.start"] == 0 and seen["route.acc_c"] == 1
            assert seen["status.busy"] == 1
        await finish_on(ctx, dut, dut.acc.done)

    run(bench)


@pytest.mark.parametrize("array", [0, 1])
def test_update_and_clear_h_sequences(array):
    async def bench(ctx, dut):
        await issue(ctx, dut, cmd_word(Op.UPDATE, array=array, arg8=CFG.max_bl))
        seen = snapshot(ctx, dut)
        assert (seen["sched.start"], seen["sched.bl"]) == (1, CFG.max_bl)
        assert (seen["route.sched_a"], seen["route.sched_c"]) == (array, 1 - array)
        assert seen["route.read_a"] == seen["route.read_c"] == seen["route.acc_c"] == 0
        await ctx.tick()
        for _ in range(4 * CFG.max_bl):
            seen = await idle_cycle(ctx, dut)
            assert seen["sched.start"] == 0 and seen["status.busy"] == 1
            assert (seen["route.sched_a"], seen["route.sched_c"]) == (array, 1 - array)
        await finish_on(ctx, dut, dut.sched.done)

        await issue(ctx, dut, cmd_word(Op.CLEAR_H, array=array))
        seen = snapshot(ctx, dut)
        assert seen["acc.clear"] == 1 and seen["acc.start"] == 0 and seen["status.busy"] == 1
        await ctx.tick()
        for _ in range(CFG.rows):
            seen = await idle_cycle(ctx, dut)
            assert seen["acc.clear"] == 0 and seen["status.busy"] == 1
            assert seen["route.acc_c"] == 0       # clearing H pulses nothing
        await finish_on(ctx, dut, dut.acc.done)

    run(bench)


def test_busy_commands_are_refused_and_ignored():
    async def bench(ctx, dut):
        await issue(ctx, dut, cmd_word(Op.FORWARD))
        await ctx.tick()
        # Every op, legal or not, is refused with BUSY and changes nothing.
        for op in range(16):
            seen = await issue(ctx, dut, cmd_word(op, array=1, arg8=Buf.XIN, arg16=1))
            assert (seen["status.error"], seen["status.code"]) == (1, Err.BUSY)
            assert seen["status.done"] == 0
            assert seen["bufctl.load"] == 0 and seen["bufctl.read"] == 0
            assert seen["route.read_c"] == 1 and seen["route.read_a"] == 0
        # The running FORWARD completes normally.
        ctx.set(dut.adc.done, 1)
        seen = snapshot(ctx, dut)
        assert seen["status.done"] == 1 and seen["bufctl.ycol_we"] == 1
        await ctx.tick()
        ctx.set(dut.adc.done, 0)
        assert_quiet(await idle_cycle(ctx, dut))

    run(bench)


@pytest.mark.parametrize("op", [Op.FORWARD, Op.BACKWARD, Op.TRANSFER])
def test_timeout_aborts_to_idle(op):
    async def bench(ctx, dut):
        ctx.set(dut.thresh, 1)
        await issue(ctx, dut, cmd_word(op, arg16=1))
        for _ in range(4):
            await ctx.tick()
        # A CMD in the same cycle as the timeout: TIMEOUT is the error reported.
        ctx.set(dut.adc.timeout, 1)
        seen = await issue(ctx, dut, cmd_word(Op.NOP))
        ctx.set(dut.adc.timeout, 0)
        assert (seen["status.error"], seen["status.code"]) == (1, Err.TIMEOUT)
        assert seen["status.done"] == 0 and seen["status.read_done"] == 0
        assert seen["bufctl.ycol_we"] == 0 and seen["bufctl.yrow_we"] == 0
        for _ in range(3):
            assert_quiet(await idle_cycle(ctx, dut))
        # The tile takes the next command.
        await issue(ctx, dut, cmd_word(Op.FORWARD))
        assert snapshot(ctx, dut)["adc.start"] == 1

    run(bench)
