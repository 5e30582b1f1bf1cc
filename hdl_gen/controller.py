"""Command controller of the tile: decode, validation and sequencing of the datapath.

Contract: docs/ARCHITECTURE.md sections 2 (commands, error codes), 4 (read path), 5 (UPDATE)
and 7 (TRANSFER).
"""
from __future__ import annotations

import enum

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from analog_models.config import TileConfig

from .buffers import BufferControlSignature
from .bus import Buf, CommandSignature, Err, Op, StatusSignature

__all__ = ["RowSrc", "route_signature", "adc_control_signature", "sched_control_signature",
           "acc_control_signature", "Controller"]


class RowSrc(enum.IntEnum):
    """Codes the row DAC is fed with (route.row_src)."""
    ZERO = 0
    XIN = 1
    ONEHOT = 2      # TRANSFER: row onehot_row at +-M, every other row 0


def route_signature(cfg: TileConfig) -> wiring.Signature:
    """Controller -> tile muxes: which unit drives which macro pins, and with what codes."""
    return wiring.Signature({
        "rd_dir": Out(1),            # macro rd_dir: 1 for BACKWARD
        "read_a": Out(1),            # DAC / ADC pins connected to array A ...
        "read_c": Out(1),            # ... or to array C (never both)
        "row_src": Out(2),           # RowSrc
        "col_din": Out(1),           # column DAC fed from DIN (else zeros)
        "onehot_row": Out(range(cfg.rows)),
        "onehot_neg": Out(1),
        "sched_a": Out(1),           # scheduler update pins connected to array A ...
        "sched_c": Out(1),           # ... or to array C
        "acc_c": Out(1),             # accumulator update pins connected to array C
    })


def adc_control_signature(cfg: TileConfig) -> wiring.Signature:
    return wiring.Signature({
        "start": Out(1),
        "bm_enable": Out(1),
        "sense_count": Out(range(cfg.sense_lanes + 1)),
        "done": In(1),
        "timeout": In(1),
        "bm_shift": In(3),
        "saturated": In(1),
    })


def sched_control_signature(cfg: TileConfig) -> wiring.Signature:
    return wiring.Signature({
        "start": Out(1),
        "bl": Out(range(cfg.max_bl + 1)),
        "done": In(1),
    })


def acc_control_signature(cfg: TileConfig) -> wiring.Signature:
    return wiring.Signature({
        "start": Out(1),
        "row": Out(range(cfg.rows)),
        "clear": Out(1),
        "done": In(1),
    })


class Controller(wiring.Component):
    """Command FSM of one tile.

    Ports
    -----
    cmd : In(CommandSignature)        CMD writes from RegisterBus
    thresh : In(32)                   THRESH register (TRANSFER with T = 0 is BAD_ARG)
    status : Out(StatusSignature)     busy level; done / error / read_done strobes
    bufctl : Out(BufferControlSignature)
                                      LOAD / READ stream starts, YCOL / YROW captures
    route : Out(route_signature)      pin and code muxes of the tile
    adc : Out(adc_control_signature)  AdcInterface handshake
    sched : Out(sched_control_signature)
                                      PulseScheduler handshake
    acc : Out(acc_control_signature)  GradientAccumulator handshake (TRANSFER, CLEAR_H)

    Timing (CMD written in cycle n)
    -------------------------------
    NOP, LOAD, READ and every refused command (ILLEGAL_OP, BAD_ARG) are handled in cycle n
    itself: the done or error strobe is raised in n (STATUS shows it from n+1) and the tile
    never leaves idle, so a DATA access in n+1 already uses the new stream.
    FORWARD / BACKWARD / TRANSFER: adc.start in n+1, busy from n+1. On adc.done the codes are
    captured (YCOL, or YROW for BACKWARD) and read_done reports bm_shift / saturated; FORWARD
    and BACKWARD then raise done, TRANSFER starts the accumulator on the captured YCOL and
    raises done with acc.done. adc.timeout raises error TIMEOUT and returns to idle instead.
    UPDATE: sched.start in n+1, done with sched.done. CLEAR_H: acc.clear in n+1, done with
    acc.done. A CMD written while busy raises error BUSY and is otherwise ignored.
    Every wait ends on a strobe its unit guarantees (the ADC interface times out by itself,
    the scheduler and the accumulator run for a fixed number of cycles), so the FSM always
    returns to idle.
    """

    def __init__(self, cfg: TileConfig):
        self.cfg = cfg
        super().__init__({
            "cmd": In(CommandSignature),
            "thresh": In(32),
            "status": Out(StatusSignature),
            "bufctl": Out(BufferControlSignature),
            "route": Out(route_signature(cfg)),
            "adc": Out(adc_control_signature(cfg)),
            "sched": Out(sched_control_signature(cfg)),
            "acc": Out(acc_control_signature(cfg)),
        })

    def elaborate(self, platform):
        m = Module()
        cfg = self.cfg
        R, C = cfg.rows, cfg.cols
        word = self.cmd.word
        status, bufctl, route = self.status, self.bufctl, self.route

        # Arguments of the running command, latched when it is accepted.
        op = Signal(4)
        array_a = Signal()
        row = Signal(range(R))
        neg = Signal()
        bl = Signal(range(cfg.max_bl + 1))

        def finish():
            m.d.comb += status.done.eq(1)

        def fail(code):
            m.d.comb += [status.error.eq(1), status.code.eq(code)]

        # Lowest priority: a command arriving while busy. An error of the running command in
        # the same cycle (TIMEOUT) is assigned later, in the FSM, and overrides it.
        idle = Signal()
        with m.If(self.cmd.valid & ~idle):
            fail(Err.BUSY)

        with m.FSM(name="ctrl_fsm") as fsm:
            with m.State("IDLE"):
                with m.If(self.cmd.valid):
                    with m.Switch(word.op):
                        with m.Case(Op.NOP):
                            finish()
                        with m.Case(Op.FORWARD, Op.BACKWARD):
                            m.d.sync += [op.eq(word.op), array_a.eq(word.array)]
                            m.next = "RD_START"
                        with m.Case(Op.UPDATE):
                            with m.If((word.arg8 == 0) | (word.arg8 > cfg.max_bl)):
                                fail(Err.BAD_ARG)
                            with m.Else():
                                m.d.sync += [op.eq(Op.UPDATE), array_a.eq(word.array),
                                             bl.eq(word.arg8)]
                                m.next = "UPD_START"
                        with m.Case(Op.TRANSFER):
                            with m.If((word.arg16 >= R) | (self.thresh == 0)):
                                fail(Err.BAD_ARG)
                            with m.Else():
                                # Always reads A (the pulses go to C through acc_c).
                                m.d.sync += [op.eq(Op.TRANSFER), array_a.eq(1),
                                             row.eq(word.arg16), neg.eq(word.neg)]
                                m.next = "RD_START"
                        with m.Case(Op.LOAD):
                            with m.If(word.arg8 <= Buf.PD):
                                m.d.comb += [bufctl.load.eq(1), bufctl.load_id.eq(word.arg8)]
                                finish()
                            with m.Else():
                                fail(Err.BAD_ARG)
                        with m.Case(Op.READ):
                            ok = ((word.arg8 == Buf.YCOL) | (word.arg8 == Buf.YROW)
                                  | ((word.arg8 == Buf.H) & (word.arg16 < R)))
                            with m.If(ok):
                                m.d.comb += [bufctl.read.eq(1),
                                             bufctl.read_id.eq(word.arg8 - Buf.YCOL),  # ReadSel
                                             bufctl.read_row.eq(word.arg16)]
                                finish()
                            with m.Else():
                                fail(Err.BAD_ARG)
                        with m.Case(Op.CLEAR_H):
                            m.next = "CLR_START"
                        with m.Default():
                            fail(Err.ILLEGAL_OP)

            # ---------------------------------------------------------- analog read
            with m.State("RD_START"):
                m.d.comb += self.adc.start.eq(1)
                m.next = "RD_WAIT"
            with m.State("RD_WAIT"):
                with m.If(self.adc.done):
                    m.d.comb += status.read_done.eq(1)
                    with m.If(op == Op.BACKWARD):
                        m.d.comb += bufctl.yrow_we.eq(1)
                    with m.Else():
                        m.d.comb += bufctl.ycol_we.eq(1)
                    with m.If(op == Op.TRANSFER):
                        m.next = "ACC_START"
                    with m.Else():
                        finish()
                        m.next = "IDLE"
                with m.Elif(self.adc.timeout):
                    fail(Err.TIMEOUT)
                    m.next = "IDLE"

            # ---------------------------------------------------------- TRANSFER tail
            with m.State("ACC_START"):
                # YCOL was captured at the previous edge; the accumulator samples it now.
                m.d.comb += self.acc.start.eq(1)
                m.next = "ACC_WAIT"
            with m.State("ACC_WAIT"):
                with m.If(self.acc.done):
                    finish()
                    m.next = "IDLE"

            # ---------------------------------------------------------- UPDATE
            with m.State("UPD_START"):
                m.d.comb += self.sched.start.eq(1)
                m.next = "UPD_WAIT"
            with m.State("UPD_WAIT"):
                with m.If(self.sched.done):
                    finish()
                    m.next = "IDLE"

            # ---------------------------------------------------------- CLEAR_H
            with m.State("CLR_START"):
                m.d.comb += self.acc.clear.eq(1)
                m.next = "CLR_WAIT"
            with m.State("CLR_WAIT"):
                with m.If(self.acc.done):
                    finish()
                    m.next = "IDLE"

        reading = fsm.ongoing("RD_START") | fsm.ongoing("RD_WAIT")
        updating = fsm.ongoing("UPD_START") | fsm.ongoing("UPD_WAIT")
        m.d.comb += [
            idle.eq(fsm.ongoing("IDLE")),
            status.busy.eq(~idle),
            route.read_a.eq(reading & array_a),
            route.read_c.eq(reading & ~array_a),
            route.sched_a.eq(updating & array_a),
            route.sched_c.eq(updating & ~array_a),
            route.acc_c.eq(fsm.ongoing("ACC_START") | fsm.ongoing("ACC_WAIT")),
        ]

        is_fwd, is_bwd, is_xfer = op == Op.FORWARD, op == Op.BACKWARD, op == Op.TRANSFER
        m.d.comb += [
            status.bm_shift.eq(self.adc.bm_shift),
            status.saturated.eq(self.adc.saturated),
            route.rd_dir.eq(is_bwd),
            route.col_din.eq(is_bwd),
            route.onehot_row.eq(row),
            route.onehot_neg.eq(neg),
            # Bound management on FORWARD / BACKWARD only (section 4).
            self.adc.bm_enable.eq(~is_xfer),
            self.adc.sense_count.eq(C),
            self.sched.bl.eq(bl),
            self.acc.row.eq(row),
        ]
        with m.If(is_fwd):
            m.d.comb += route.row_src.eq(RowSrc.XIN)
        with m.Elif(is_xfer):
            m.d.comb += route.row_src.eq(RowSrc.ONEHOT)
        with m.If(is_bwd):
            m.d.comb += self.adc.sense_count.eq(R)
        return m
