"""Native bus, register file and the bus-visible constants of the tile.

Contract: docs/ARCHITECTURE.md section 2 (register map, CMD word, STATUS bits, error codes).
The constants below are the single Python copy of those numbers for the generator and its tests.
"""
from __future__ import annotations

import enum

from amaranth.hdl import Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from analog_models.config import TileConfig

__all__ = [
    "Reg", "Op", "Buf", "Err", "CmdLayout", "NativeBusSignature", "bus_target_members",
    "CommandSignature", "StatusSignature", "StreamSignature", "info_words", "RegisterBus",
]


class Reg(enum.IntEnum):
    """Word addresses of the registers."""
    CMD = 0
    STATUS = 1
    DATA = 2
    THRESH = 3
    SEED = 4
    INFO0 = 5
    INFO1 = 6


class Op(enum.IntEnum):
    """CMD[3:0]; 8..15 are illegal."""
    NOP = 0
    FORWARD = 1
    BACKWARD = 2
    UPDATE = 3
    TRANSFER = 4
    LOAD = 5
    READ = 6
    CLEAR_H = 7


class Buf(enum.IntEnum):
    """Buffer ids in CMD.arg8 of LOAD (0..3) and READ (4..6)."""
    XIN = 0
    DIN = 1
    PX = 2
    PD = 3
    YCOL = 4
    YROW = 5
    H = 6


class Err(enum.IntEnum):
    """STATUS[7:4]."""
    NONE = 0
    ILLEGAL_OP = 1
    BAD_ARG = 2
    BUSY = 3
    OVERRUN = 4
    TIMEOUT = 5
    BAD_ADDR = 6


# STATUS bit positions.
STATUS_BUSY, STATUS_DONE, STATUS_ERROR, STATUS_SATURATED = 0, 1, 2, 12
STATUS_CODE_SHIFT, STATUS_BM_SHIFT_SHIFT = 4, 8

CmdLayout = data.StructLayout({
    "op": 4,
    "array": 1,      # 0 = C, 1 = A
    "neg": 1,        # TRANSFER chopper sign
    "reserved": 2,
    "arg8": 8,
    "arg16": 16,
})

# Initiator (host) view; the tile and RegisterBus carry these members flipped, flat, so the
# generated Verilog ports are literally bus_addr, bus_wdata, ...
NativeBusSignature = wiring.Signature({
    "bus_addr": Out(4),
    "bus_wdata": Out(32),
    "bus_we": Out(1),
    "bus_re": Out(1),
    "bus_rdata": In(32),
})


def bus_target_members() -> dict:
    """The native bus members as seen by the target (the tile), for flat signatures."""
    return {name: member.flip() for name, member in NativeBusSignature.members.items()}


# RegisterBus -> Controller: a CMD write. `word` is only meaningful while `valid` is high.
CommandSignature = wiring.Signature({
    "valid": Out(1),
    "word": Out(CmdLayout),
})

# Controller -> RegisterBus: everything STATUS reports, as a level (busy) and event strobes.
StatusSignature = wiring.Signature({
    "busy": Out(1),
    "done": Out(1),          # strobe: a command completed
    "error": Out(1),         # strobe: a command failed / was refused, with `code`
    "code": Out(4),
    "read_done": Out(1),     # strobe: an analog read completed, with bm_shift / saturated
    "bm_shift": Out(3),
    "saturated": Out(1),
})

# RegisterBus -> VectorBuffers: the DATA stream port.
StreamSignature = wiring.Signature({
    "we": Out(1),            # DATA written this cycle
    "re": Out(1),            # DATA read this cycle (rdata is registered at this edge)
    "wdata": Out(32),
    "rdata": In(32),         # combinational read word for the current read pointer
    "overrun": In(1),        # this cycle's access fell past the end of its buffer
})


def info_words(cfg: TileConfig) -> tuple[int, int]:
    """INFO0 and INFO1 of a configuration."""
    info0 = cfg.rows | cfg.cols << 12
    info1 = (cfg.dac_bits | cfg.adc_bits << 4 | cfg.max_bl << 8 | cfg.acc_width << 14
             | cfg.bm_retries << 20)
    return info0, info1


class RegisterBus(wiring.Component):
    """Register file on the native bus.

    Ports
    -----
    bus_addr, bus_wdata, bus_we, bus_re : In      native bus (a write happens at the edge where
                                                  bus_we is high; a read returns the value the
                                                  register had before that edge)
    bus_rdata : Out(32)    registered read data, updated only at edges where bus_re is high
    irq : Out(1)           STATUS.done | STATUS.error
    cmd : Out(CommandSignature)
                           valid = CMD written this cycle, word = bus_wdata (combinational)
    status : In(StatusSignature)
                           controller events; STATUS.busy follows status.busy directly
    stream : Out(StreamSignature)
                           DATA accesses; overrun sets error OVERRUN at the same edge
    thresh : Out(32)       THRESH register (reset 1)
    seed : Out(32)         SEED register (reset 1)
    reseed : Out(1)        high in the cycle after a SEED write (seed already holds the new
                           value); the generators' reset state is already that of SEED = 1

    Timing
    ------
    Writes update the registers at the edge where bus_we is high. STATUS events from the
    controller and the stream land at the same edge as they are signalled; a set wins over a
    W1C clear or the done-clear of a CMD write in the same cycle, so no event is lost.
    When several errors arrive in one cycle the controller's wins, then OVERRUN, then BAD_ADDR;
    the code always reports the latest error, and clearing the error bit clears the code.
    Writes to INFO0 / INFO1 are ignored; writes to 7..15 set BAD_ADDR; reads of CMD and of
    7..15 return 0.
    """

    def __init__(self, cfg: TileConfig):
        self.cfg = cfg
        super().__init__({
            **bus_target_members(),
            "irq": Out(1),
            "cmd": Out(CommandSignature),
            "status": In(StatusSignature),
            "stream": Out(StreamSignature),
            "thresh": Out(32, init=1),
            "seed": Out(32, init=1),
            "reseed": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        addr, wdata = self.bus_addr, self.bus_wdata

        def write(reg):
            return self.bus_we & (addr == reg)

        m.d.comb += [
            self.cmd.valid.eq(write(Reg.CMD)),
            self.cmd.word.eq(wdata),
            self.stream.we.eq(write(Reg.DATA)),
            self.stream.re.eq(self.bus_re & (addr == Reg.DATA)),
            self.stream.wdata.eq(wdata),
        ]

        with m.If(write(Reg.THRESH)):
            m.d.sync += self.thresh.eq(wdata)
        with m.If(write(Reg.SEED)):
            m.d.sync += self.seed.eq(wdata)
        m.d.sync += self.reseed.eq(write(Reg.SEED))

        # STATUS state.
        done = Signal()
        error = Signal()
        code = Signal(4)
        bm_shift = Signal(3)
        saturated = Signal()

        status_w1c = write(Reg.STATUS)
        with m.If(self.status.done):
            m.d.sync += done.eq(1)
        with m.Elif(write(Reg.CMD) | (status_w1c & wdata[STATUS_DONE])):
            m.d.sync += done.eq(0)

        bad_addr = self.bus_we & (addr > max(Reg))
        with m.If(self.status.error):
            m.d.sync += [error.eq(1), code.eq(self.status.code)]
        with m.Elif(self.stream.overrun):
            m.d.sync += [error.eq(1), code.eq(Err.OVERRUN)]
        with m.Elif(bad_addr):
            m.d.sync += [error.eq(1), code.eq(Err.BAD_ADDR)]
        with m.Elif(status_w1c & wdata[STATUS_ERROR]):
            m.d.sync += [error.eq(0), code.eq(Err.NONE)]

        with m.If(self.status.read_done):
            m.d.sync += [bm_shift.eq(self.status.bm_shift), saturated.eq(self.status.saturated)]

        status_word = Signal(32)
        m.d.comb += [
            status_word[STATUS_BUSY].eq(self.status.busy),
            status_word[STATUS_DONE].eq(done),
            status_word[STATUS_ERROR].eq(error),
            status_word[STATUS_CODE_SHIFT:STATUS_CODE_SHIFT + 4].eq(code),
            status_word[STATUS_BM_SHIFT_SHIFT:STATUS_BM_SHIFT_SHIFT + 4].eq(bm_shift),
            status_word[STATUS_SATURATED].eq(saturated),
            self.irq.eq(done | error),
        ]

        info0, info1 = info_words(self.cfg)
        with m.If(self.bus_re):
            with m.Switch(addr):
                with m.Case(Reg.STATUS):
                    m.d.sync += self.bus_rdata.eq(status_word)
                with m.Case(Reg.DATA):
                    m.d.sync += self.bus_rdata.eq(self.stream.rdata)
                with m.Case(Reg.THRESH):
                    m.d.sync += self.bus_rdata.eq(self.thresh)
                with m.Case(Reg.SEED):
                    m.d.sync += self.bus_rdata.eq(self.seed)
                with m.Case(Reg.INFO0):
                    m.d.sync += self.bus_rdata.eq(info0)
                with m.Case(Reg.INFO1):
                    m.d.sync += self.bus_rdata.eq(info1)
                with m.Default():
                    m.d.sync += self.bus_rdata.eq(0)
        return m
