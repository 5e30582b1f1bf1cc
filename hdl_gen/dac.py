"""Pulse-width DAC: turns int8 codes into per-line pulses inside the integration window.

Contract: docs/ARCHITECTURE.md sections 3 (macro pins row_pulse/row_neg, col_pulse/col_neg)
and 4 (read path: width_l = min(|c_l|, M) >> s, polarity = c_l < 0).
"""
from __future__ import annotations

from amaranth.hdl import Const, Module, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PulseWidthDac"]

# Largest shift the `shift` port can carry (3 bits).
_SHIFT_MAX = 7


class PulseWidthDac(wiring.Component):
    """Signed pulse-width DAC for ``lines`` drive lines (rows or columns of the crossbar).

    Parameters
    ----------
    lines : int
        Number of drive lines.
    dac_bits : int
        Signed DAC resolution; the magnitude is clipped to ``M = 2**(dac_bits-1) - 1``,
        which is also the length of the integration window in cycles.

    Ports
    -----
    codes : In(ArrayLayout(signed(8), lines))
        Raw int8 code per line. Sampled in the cycle ``go`` is high.
    shift : In(3)
        Bound-management right shift ``s`` of every width. Sampled with ``codes``.
    go : In(1)
        Strobe: start a window.
    pulse : Out(lines)
        Pulse of each line (registered).
    neg : Out(lines)
        Polarity of each line, 1 = negative (registered).

    Timing
    ------
    If ``go`` is high in cycle n, ``pulse[l]`` is high in cycles n+1 .. n+w_l with
    ``w_l = min(|codes[l]|, M) >> shift`` and low otherwise (w_l = 0: never high).
    ``neg[l] = codes[l] < 0`` from cycle n+1 until the cycle after the next ``go``.
    A ``go`` during a running window restarts the window with the new codes.
    After reset every pulse is low and every ``neg`` is 0.

    Implementation
    --------------
    One shared window counter and one comparator per line (no per-line counter, no
    per-line barrel shifter). The cycle n+k of the window (k = 1, 2, ...) pulses line l iff
    ``k <= mag_l >> s``, which for integers is the same as ``k << s <= mag_l``. So the shared
    register ``level`` holds ``k << s`` (it advances by ``1 << s`` per cycle) and every line only
    compares its clipped magnitude ``mag_l`` against it. ``level`` stops advancing once it is
    above M (no line can pulse any more), so it never wraps.
    """

    def __init__(self, lines: int, dac_bits: int):
        if not isinstance(lines, int) or lines < 1:
            raise ValueError(f"lines must be a positive integer, got {lines!r}")
        if not isinstance(dac_bits, int) or not 2 <= dac_bits <= 8:
            # The codes are int8 lanes, so more than 8 DAC bits could never be used.
            raise ValueError(f"dac_bits must be in [2, 8], got {dac_bits!r}")
        self.lines = lines
        self.dac_bits = dac_bits
        self.dac_max = (1 << (dac_bits - 1)) - 1
        super().__init__({
            "codes": In(data.ArrayLayout(signed(8), lines)),
            "shift": In(3),
            "go": In(1),
            "pulse": Out(lines),
            "neg": Out(lines),
        })

    def elaborate(self, platform):
        m = Module()
        M = self.dac_max

        # level = k << s during cycle n+k of the window (k >= 1). Its reset value is above M so
        # no line pulses after reset. Largest value ever stored: M + (1 << 7) (one step past M).
        level_shape = unsigned((M + (1 << _SHIFT_MAX)).bit_length())
        level = Signal(level_shape, init=M + 1)
        step = Signal(level_shape)          # 1 << s of the running window
        level_next = Signal(level_shape)

        # Clipped magnitude per line, held for the whole window.
        mag_shape = unsigned(max(M.bit_length(), 1))
        mag = [Signal(mag_shape, name=f"mag{l}") for l in range(self.lines)]

        with m.If(self.go):
            # First cycle of the window: k = 1.
            m.d.comb += level_next.eq(Const(1, 1) << self.shift)
            m.d.sync += step.eq(Const(1, 1) << self.shift)
        with m.Elif(level <= M):
            m.d.comb += level_next.eq(level + step)
        with m.Else():
            # Window over: hold (keeps the counter from wrapping back into the window).
            m.d.comb += level_next.eq(level)
        m.d.sync += level.eq(level_next)

        for l in range(self.lines):
            code = self.codes[l]
            mag_next = Signal(mag_shape, name=f"mag_next{l}")
            with m.If(self.go):
                # |code| is unsigned(8), so -128 -> 128 is representable before the clip.
                absval = abs(code)
                with m.If(absval > M):
                    m.d.comb += mag_next.eq(M)
                with m.Else():
                    m.d.comb += mag_next.eq(absval)
                m.d.sync += self.neg[l].eq(code < 0)
            with m.Else():
                m.d.comb += mag_next.eq(mag[l])
            m.d.sync += mag[l].eq(mag_next)
            # Registered output: the comparator works on the next-state values so `pulse` is a
            # flop (glitch-free pin towards the analog macro) without a second comparator.
            m.d.sync += self.pulse[l].eq(level_next <= mag_next)

        return m
