"""Transfer accumulator H of chopped Tiki-Taka: accumulate, threshold, pulse array C.

Contract: docs/ARCHITECTURE.md section 7 (TRANSFER) and section 2 (CLEAR_H, READ of an H row).
"""
from __future__ import annotations

from amaranth.hdl import Module, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

__all__ = ["GradientAccumulator"]


class GradientAccumulator(wiring.Component):
    """H memory (rows x cols signed accumulators) with the TRANSFER datapath.

    Parameters
    ----------
    rows, cols : int
        Array geometry; H has one row per array row, one lane per column.
    acc_width : int
        Width of one signed H entry; sums saturate to
        [-2**(acc_width-1), 2**(acc_width-1)-1] (never wrap).

    Ports
    -----
    start : In(1)                 strobe: TRANSFER of one row, ignored while ``busy``.
    row : In(range(rows))         row k, sampled at ``start`` (validated by the controller).
    codes : In(ArrayLayout(signed(16), cols))
                                  q_j of the A read, sampled at ``start``.
    threshold : In(32)            T, unsigned, sampled at ``start`` (T = 0 is rejected by the
                                  controller; here it would pulse every column with h >= 0 up).
    clear : In(1)                 strobe: H := 0 (one row per cycle), ignored while ``busy``;
                                  ``start`` wins if both are high.
    rd_en : In(1), rd_row : In(range(rows))
    rd_data : Out(ArrayLayout(signed(acc_width), cols))
                                  row rd_row of H, valid in the cycle after rd_en (and held until
                                  the next memory read); only while idle (ignored when busy or
                                  together with ``start``).
    row_pulse : Out(rows), col_pulse : Out(cols), upd_en : Out(1), upd_set : Out(1)
                                  to array C, registered.
    busy : Out(1), done : Out(1)  done is a one-cycle strobe.

    Timing (``start`` in cycle n)
    -----------------------------
    n      : H[k] is read (synchronous read port); codes / row / threshold captured.
    n+1    : per column h = sat(H[k][j] + q_j); up_j = h >= T -> h -= T;
             else down_j = h <= -T -> h += T; H[k] := h written at the end of n+1.
    n+2    : upd_en = 1, upd_set = 1, row_pulse = one-hot(k), col_pulse = up   (slot 0)
    n+3    : upd_en = 1, upd_set = 0, row_pulse = one-hot(k), col_pulse = down (slot 1)
    n+4    : done (busy low; a new command is accepted here).
    busy is high in n+1 .. n+3.
    ``clear`` in cycle n: row r is zeroed in cycle n+1+r, ``done`` in cycle n+rows+1, busy in
    n+1 .. n+rows.
    The memory holds zeros at power-up (its init value); CLEAR_H is the architectural way to
    zero H.
    """

    def __init__(self, rows: int, cols: int, acc_width: int):
        for name, value, lo, hi in (("rows", rows, 1, 1 << 16), ("cols", cols, 1, 1 << 16),
                                    ("acc_width", acc_width, 2, 32)):
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
        self.rows = rows
        self.cols = cols
        self.acc_width = acc_width
        super().__init__({
            "start": In(1),
            "row": In(range(rows)),
            "codes": In(data.ArrayLayout(signed(16), cols)),
            "threshold": In(32),
            "clear": In(1),
            "rd_en": In(1),
            "rd_row": In(range(rows)),
            "rd_data": Out(data.ArrayLayout(signed(acc_width), cols)),
            "row_pulse": Out(rows),
            "col_pulse": Out(cols),
            "upd_en": Out(1),
            "upd_set": Out(1),
            "busy": Out(1),
            "done": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        A = self.acc_width
        h_min, h_max = -(1 << (A - 1)), (1 << (A - 1)) - 1

        m.submodules.mem = mem = Memory(shape=data.ArrayLayout(signed(A), self.cols),
                                        depth=self.rows, init=[])
        wp = mem.write_port()
        rp = mem.read_port()          # synchronous, data the cycle after addr/en
        m.d.comb += self.rd_data.eq(rp.data)

        k = Signal(range(self.rows))                             # row of the transfer
        q = Signal(data.ArrayLayout(signed(16), self.cols))      # sampled codes
        # T clipped to 2**(A-1) + 1: any larger T can never be reached by h (|h| <= 2**(A-1))
        # in either direction, so behaviour is unchanged while the per-column comparators and
        # subtractors shrink from 33 to A+1 bits.
        t_cap = h_max + 2
        t = Signal(unsigned(t_cap.bit_length()))
        down = Signal(self.cols)                                 # slot 1 columns
        clr_row = Signal(range(self.rows))

        m.d.sync += self.done.eq(0)

        with m.FSM(name="acc_fsm"):
            with m.State("IDLE"):
                m.d.comb += rp.en.eq(self.start | self.rd_en)
                with m.If(self.start):
                    m.d.comb += rp.addr.eq(self.row)
                    m.d.sync += [k.eq(self.row), q.eq(self.codes), self.busy.eq(1)]
                    with m.If(self.threshold > t_cap):
                        m.d.sync += t.eq(t_cap)
                    with m.Else():
                        m.d.sync += t.eq(self.threshold)
                    m.next = "UPDATE"
                with m.Else():
                    m.d.comb += rp.addr.eq(self.rd_row)
                    with m.If(self.clear):
                        m.d.sync += [clr_row.eq(0), self.busy.eq(1)]
                        m.next = "CLEAR"
            with m.State("UPDATE"):
                # rp.data holds H[k]: accumulate, threshold, write back, stage both slots.
                m.d.comb += [wp.addr.eq(k), wp.en.eq(1)]
                up = Signal(self.cols)
                dn = Signal(self.cols)
                for j in range(self.cols):
                    # Wide enough for any H + q (int16 q, A-bit H): the clamp, not the adder,
                    # bounds the result, so H never wraps.
                    s = Signal(signed(max(A, 16) + 1), name=f"sum{j}")
                    h = Signal(signed(A), name=f"h{j}")
                    m.d.comb += s.eq(rp.data[j] + q[j])
                    with m.If(s > h_max):
                        m.d.comb += h.eq(h_max)
                    with m.Elif(s < h_min):
                        m.d.comb += h.eq(h_min)
                    with m.Else():
                        m.d.comb += h.eq(s)
                    # h >= T >= 1 -> h - T in [0, h_max); h <= -T -> h + T in (h_min, 0]: the
                    # write-back cannot overflow either.
                    with m.If(h >= t):
                        m.d.comb += [up[j].eq(1), wp.data[j].eq(h - t)]
                    with m.Elif(h <= -t):
                        m.d.comb += [dn[j].eq(1), wp.data[j].eq(h + t)]
                    with m.Else():
                        m.d.comb += wp.data[j].eq(h)
                m.d.sync += down.eq(dn)
                m.d.sync += [self.upd_en.eq(1), self.upd_set.eq(1),
                             self.row_pulse.eq(1 << k), self.col_pulse.eq(up)]
                m.next = "SLOT_SET"
            with m.State("SLOT_SET"):
                m.d.sync += [self.upd_set.eq(0), self.col_pulse.eq(down)]
                m.next = "SLOT_RESET"
            with m.State("SLOT_RESET"):
                m.d.sync += [self.upd_en.eq(0), self.row_pulse.eq(0), self.col_pulse.eq(0),
                             self.busy.eq(0), self.done.eq(1)]
                m.next = "IDLE"
            with m.State("CLEAR"):
                m.d.comb += [wp.addr.eq(clr_row), wp.en.eq(1), wp.data.eq(0)]
                m.d.sync += clr_row.eq(clr_row + 1)
                with m.If(clr_row == self.rows - 1):
                    m.d.sync += [self.busy.eq(0), self.done.eq(1)]
                    m.next = "IDLE"

        return m
