"""Stochastic pulse-train scheduler of the UPDATE command.

Contract: docs/ARCHITECTURE.md section 5 (four SET/RESET sub-phases of BL slots, line gating by
sign) and section 6 (one xorshift32 generator per line, seeding formula, stepping rule).
"""
from __future__ import annotations

from amaranth.hdl import Const, Module, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PulseScheduler", "seed_state", "GOLDEN"]

GOLDEN = 0x9E3779B9
_MASK = 0xFFFFFFFF


def seed_state(seed: int, line: int) -> int:
    """Section 6 seeding formula: ((SEED ^ ((n + 1) * 0x9E3779B9)) mod 2**32) | 1."""
    return ((seed ^ ((line + 1) * GOLDEN)) & _MASK) | 1


def _xorshift32(x):
    """One xorshift32 step on a 32-bit Amaranth value (shifts by constants are just wiring)."""
    x = (x ^ (x << 13))[:32]
    x = x ^ (x >> 17)
    x = (x ^ (x << 5))[:32]
    return x


class PulseScheduler(wiring.Component):
    """Pulse trains of one stochastic outer-product UPDATE (4 sub-phases of BL slots).

    Parameters
    ----------
    rows, cols : int
        Lines of the array; generator n drives row n (n < rows) or column n - rows.
    max_bl : int
        Largest BL the controller may request.

    Ports
    -----
    start : In(1)               strobe, ignored while ``busy``.
    bl : In(range(max_bl+1))    slots per sub-phase, sampled at ``start``. Validated by the
                                controller (1..max_bl); BL = 0 gives no slot and ``done`` in n+1.
    row_prob : In(ArrayLayout(signed(8), rows))   PX lanes; must stay stable during the update.
    col_prob : In(ArrayLayout(signed(8), cols))   PD lanes; must stay stable during the update.
    seed : In(32)               value of the SEED register.
    reseed : In(1)              strobe: every generator n := seed_state(seed, n) at the next edge.
                                Wins over a step in the same cycle: the slot in flight still
                                fires from the stepped old state, but the generators continue
                                from the new seed (the controller does not reseed mid-update).
    row_pulse : Out(rows)       registered; word-line pulses of the current slot.
    col_pulse : Out(cols)       registered; source-line pulses of the current slot.
    upd_en : Out(1)             registered; high for every slot.
    upd_set : Out(1)            registered; 1 in sub-phases 0 and 1 (SET), 0 in 2 and 3 (RESET).
    busy : Out(1)               equal to ``upd_en``.
    done : Out(1)               one-cycle strobe after the last slot.

    Timing (``start`` in cycle n, BL = b)
    -------------------------------------
    Slot t = 0 .. 4b-1 occupies cycle n+1+t: upd_en = 1, sub-phase p = t // b,
    upd_set = (p < 2). Every generator steps exactly once per slot: the outputs of slot t come
    from each generator's state after its (t+1)-th step of this update (generators continue
    from where the previous update left them). Line l with int8 probability v fires iff it may
    fire in sub-phase p and ``(state_l >> 25) < min(|v|, 127)``:
        row i may fire iff (PX[i] < 0) == p[0];  column j iff (PD[j] < 0) == (p[0] ^ p[1]),
    i.e. the table of section 5 (p0: +,+ SET; p1: -,- SET; p2: +,- RESET; p3: -,+ RESET).
    ``done`` in cycle n+4b+1 (busy and upd_en already low, a new ``start`` is accepted there).
    Reset state of the generators = seed_state(1, n) (SEED register reset value 1).
    """

    def __init__(self, rows: int, cols: int, max_bl: int):
        for name, value, lo in (("rows", rows, 1), ("cols", cols, 1), ("max_bl", max_bl, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < lo:
                raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
        self.rows = rows
        self.cols = cols
        self.max_bl = max_bl
        super().__init__({
            "start": In(1),
            "bl": In(range(max_bl + 1)),
            "row_prob": In(data.ArrayLayout(signed(8), rows)),
            "col_prob": In(data.ArrayLayout(signed(8), cols)),
            "seed": In(32),
            "reseed": In(1),
            "row_pulse": Out(rows),
            "col_pulse": Out(cols),
            "upd_en": Out(1),
            "upd_set": Out(1),
            "busy": Out(1),
            "done": Out(1),
        })

    def elaborate(self, platform):
        m = Module()

        bl = Signal(range(self.max_bl + 1))     # sampled at start
        phase = Signal(2)                       # sub-phase of the slot on the outputs
        # max(.., 2): with max_bl == 1 a range(1) counter would be a zero-width signal.
        k = Signal(range(max(self.max_bl, 2)))  # slot index within the sub-phase on the outputs

        # Which slot the next edge puts on the outputs (if any): computed combinationally so
        # that pulses can be registered together with the generator step that produces them.
        emit = Signal()                         # the next cycle is a slot
        n_phase = Signal(2)
        n_k = Signal(range(max(self.max_bl, 2)))
        last = (phase == 3) & (k == bl - 1)

        m.d.sync += self.done.eq(0)
        with m.If(~self.upd_en):
            with m.If(self.start):
                with m.If(self.bl == 0):
                    # Rejected by the controller; never hang: finish with no slot.
                    m.d.sync += self.done.eq(1)
                with m.Else():
                    m.d.comb += [emit.eq(1), n_phase.eq(0), n_k.eq(0)]
                    m.d.sync += bl.eq(self.bl)
        with m.Elif(last):
            m.d.sync += self.done.eq(1)
        with m.Elif(k == bl - 1):
            m.d.comb += [emit.eq(1), n_phase.eq(phase + 1), n_k.eq(0)]
        with m.Else():
            m.d.comb += [emit.eq(1), n_phase.eq(phase), n_k.eq(k + 1)]

        m.d.sync += [
            self.upd_en.eq(emit),
            phase.eq(n_phase),
            k.eq(n_k),
            # SET in sub-phases 0 and 1.
            self.upd_set.eq(emit & ~n_phase[1]),
        ]
        m.d.comb += self.busy.eq(self.upd_en)

        # Gating of section 5: rows fire with polarity p[0], columns with p[0] ^ p[1].
        row_pol = n_phase[0]
        col_pol = n_phase[0] ^ n_phase[1]

        lines = ([(self.row_prob[i], self.row_pulse[i], row_pol, f"row{i}")
                  for i in range(self.rows)] +
                 [(self.col_prob[j], self.col_pulse[j], col_pol, f"col{j}")
                  for j in range(self.cols)])
        for n, (prob, pulse, pol, name) in enumerate(lines):
            state = Signal(32, init=seed_state(1, n), name=f"gen_{name}")
            stepped = Signal(32, name=f"gen_{name}_next")
            m.d.comb += stepped.eq(_xorshift32(state))
            with m.If(self.reseed):
                # The line constant (n + 1) * 0x9E3779B9 is folded at elaboration: a reseed
                # costs one XOR per state bit.
                m.d.sync += state.eq((self.seed ^ Const(((n + 1) * GOLDEN) & _MASK, 32)) | 1)
            with m.Elif(emit):
                m.d.sync += state.eq(stepped)

            # m = min(|v|, 127): |-128| = 128 is the only value that needs the clip.
            mag = abs(prob)
            mag_c = Signal(7, name=f"mag_{name}")
            with m.If(mag[7]):
                m.d.comb += mag_c.eq(127)
            with m.Else():
                m.d.comb += mag_c.eq(mag[:7])
            allowed = (prob < 0) == pol
            fire = allowed & (stepped[25:32] < mag_c)
            # Registered, so the macro sees clean slot boundaries; zero outside slots.
            m.d.sync += pulse.eq(emit & fire)

        return m
