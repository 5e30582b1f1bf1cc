"""Vector buffers of the tile and the DATA stream port.

Contract: docs/ARCHITECTURE.md section 2 (LOAD / READ, lane packing on DATA, OVERRUN).
"""
from __future__ import annotations

import enum

from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from analog_models.config import TileConfig

from .bus import StreamSignature

__all__ = ["ReadSel", "BufferControlSignature", "VectorBuffers"]


class ReadSel(enum.IntEnum):
    """Read-stream source; READ's arg8 minus Buf.YCOL."""
    YCOL = 0
    YROW = 1
    H = 2


# Controller -> VectorBuffers. load / read are strobes issued in the CMD write cycle.
BufferControlSignature = wiring.Signature({
    "load": Out(1),          # start a write stream into buffer load_id (Buf.XIN..Buf.PD)
    "load_id": Out(2),
    "read": Out(1),          # start a read stream from read_id (ReadSel), H row read_row
    "read_id": Out(2),
    "read_row": Out(16),
    "ycol_we": Out(1),       # capture the ADC codes of the cols sense lanes into YCOL
    "yrow_we": Out(1),       # capture the ADC codes of the rows sense lanes into YROW
})


def _words(lanes: int, per_word: int) -> int:
    return -(-lanes // per_word)


class VectorBuffers(wiring.Component):
    """XIN, DIN, PX, PD (int8), YCOL, YROW (int16) and the DATA stream pointers.

    Ports
    -----
    stream : In(StreamSignature)     DATA accesses from RegisterBus
    ctl : In(BufferControlSignature) stream starts and Y captures from the Controller
    codes : In(ArrayLayout(signed(16), max(rows, cols)))
                                     ADC result lanes, captured by ctl.ycol_we / ctl.yrow_we
    h_rd_en, h_rd_row : Out          H row read port of the GradientAccumulator
    h_rd_data : In(ArrayLayout(signed(acc_width), cols))
                                     that port's data, valid the cycle after h_rd_en
    xin, px : Out(ArrayLayout(signed(8), rows))
    din, pd : Out(ArrayLayout(signed(8), cols))
    ycol : Out(ArrayLayout(signed(16), cols))
    yrow : Out(ArrayLayout(signed(16), rows))
                                     every lane in parallel, registered, reset 0

    Timing
    ------
    ctl.load / ctl.read in cycle n: the stream restarts at lane 0 from cycle n+1, so a DATA
    access right after the CMD write already uses it. A DATA write in cycle n updates its 4 lanes
    at the edge of n; a DATA read in cycle n is answered on stream.rdata in cycle n (RegisterBus
    registers it). The H read port is addressed continuously (h_rd_en stays high) with the row of
    the read stream, switching to ctl.read_row already in the READ cycle, so h_rd_data holds the
    selected row from the next cycle on and follows every change of H.
    Out of range (past the buffer, or no LOAD / READ since reset): the write is dropped, the
    read returns 0, stream.overrun is high in that cycle and the pointer stays put.
    Write and read streams are independent: LOAD does not end a read stream and vice versa.
    """

    def __init__(self, cfg: TileConfig):
        self.cfg = cfg
        R, C = cfg.rows, cfg.cols
        super().__init__({
            "stream": In(StreamSignature),
            "ctl": In(BufferControlSignature),
            "codes": In(data.ArrayLayout(signed(16), cfg.sense_lanes)),
            "h_rd_en": Out(1),
            "h_rd_row": Out(range(R)),
            "h_rd_data": In(data.ArrayLayout(signed(cfg.acc_width), C)),
            "xin": Out(data.ArrayLayout(signed(8), R)),
            "din": Out(data.ArrayLayout(signed(8), C)),
            "px": Out(data.ArrayLayout(signed(8), R)),
            "pd": Out(data.ArrayLayout(signed(8), C)),
            "ycol": Out(data.ArrayLayout(signed(16), C)),
            "yrow": Out(data.ArrayLayout(signed(16), R)),
        })

    def elaborate(self, platform):
        m = Module()
        R, C = self.cfg.rows, self.cfg.cols
        stream, ctl = self.stream, self.ctl

        # ------------------------------------------------------------- write stream (LOAD)
        load_bufs = [self.xin, self.din, self.px, self.pd]           # index = Buf id
        load_lanes = [R, C, R, C]
        w_words_r, w_words_c = _words(R, 4), _words(C, 4)
        w_valid = Signal()
        w_buf = Signal(2)
        w_ptr = Signal(range(max(w_words_r, w_words_c) + 1))
        # XIN / PX (even ids) hold rows lanes, DIN / PD (odd ids) cols lanes.
        w_limit = Mux(w_buf[0], w_words_c, w_words_r)
        w_ok = w_valid & (w_ptr < w_limit)

        with m.If(ctl.load):
            m.d.sync += [w_valid.eq(1), w_buf.eq(ctl.load_id), w_ptr.eq(0)]
        with m.Elif(stream.we & w_ok):
            m.d.sync += w_ptr.eq(w_ptr + 1)
            with m.Switch(w_buf):
                for b, (buf, lanes) in enumerate(zip(load_bufs, load_lanes)):
                    with m.Case(b):
                        with m.Switch(w_ptr):
                            for w in range(_words(lanes, 4)):
                                with m.Case(w):
                                    for n in range(4 * w, min(4 * w + 4, lanes)):
                                        s = 8 * (n % 4)
                                        m.d.sync += buf[n].eq(stream.wdata[s:s + 8])

        # ------------------------------------------------------------- Y capture
        with m.If(ctl.ycol_we):
            m.d.sync += [self.ycol[j].eq(self.codes[j]) for j in range(C)]
        with m.If(ctl.yrow_we):
            m.d.sync += [self.yrow[i].eq(self.codes[i]) for i in range(R)]

        # ------------------------------------------------------------- read stream (READ)
        r_limits = {ReadSel.YCOL: _words(C, 2), ReadSel.YROW: _words(R, 2), ReadSel.H: C}
        r_valid = Signal()
        r_sel = Signal(2)
        r_ptr = Signal(range(max(r_limits.values()) + 1))
        h_row = Signal(range(R))
        r_limit = Signal.like(r_ptr)
        with m.Switch(r_sel):
            for sel, limit in r_limits.items():
                with m.Case(sel):
                    m.d.comb += r_limit.eq(limit)
        r_ok = r_valid & (r_ptr < r_limit)

        start_h = ctl.read & (ctl.read_id == ReadSel.H)
        with m.If(ctl.read):
            m.d.sync += [r_valid.eq(1), r_sel.eq(ctl.read_id), r_ptr.eq(0)]
            with m.If(start_h):
                m.d.sync += h_row.eq(ctl.read_row)
        with m.Elif(stream.re & r_ok):
            m.d.sync += r_ptr.eq(r_ptr + 1)

        m.d.comb += [
            self.h_rd_en.eq(1),
            self.h_rd_row.eq(Mux(start_h, ctl.read_row, h_row)),
        ]

        def int16_words(lanes):
            return [[lanes[n] for n in range(2 * w, min(2 * w + 2, len(lanes)))]
                    for w in range(_words(len(lanes), 2))]

        word = stream.rdata      # 0 unless a case below drives it
        with m.If(r_ok):
            with m.Switch(r_sel):
                for sel, lanes in ((ReadSel.YCOL, self.ycol), (ReadSel.YROW, self.yrow)):
                    with m.Case(sel):
                        with m.Switch(r_ptr):
                            for w, pair in enumerate(int16_words(lanes)):
                                with m.Case(w):
                                    # A missing upper lane stays 0 (Signal default).
                                    m.d.comb += [word[16 * k:16 * k + 16].eq(lane)
                                                 for k, lane in enumerate(pair)]
                with m.Case(ReadSel.H):
                    with m.Switch(r_ptr):
                        for j in range(C):
                            with m.Case(j):
                                # Signed lane into an unsigned word: sign-extended to 32 bits.
                                m.d.comb += word.eq(self.h_rd_data[j])
        m.d.comb += stream.overrun.eq((stream.we & ~w_ok) | (stream.re & ~r_ok))
        return m
