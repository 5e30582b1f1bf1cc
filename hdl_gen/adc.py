"""ADC interface: integration window sequencing, conversion handshake and bound management.

Contract: docs/ARCHITECTURE.md section 3 (macro pins int_rst, int_en, adc_start, adc_done,
adc_code) and section 4 (read path with bound-management retries).
"""
from __future__ import annotations

from amaranth.hdl import C, Module, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["AdcInterface"]


class AdcInterface(wiring.Component):
    """Sequencer of one analog read (FORWARD, BACKWARD or the TRANSFER read of array A).

    Parameters
    ----------
    lanes : int
        ADC lanes of the macro (``max(rows, cols)``).
    adc_bits : int
        Signed ADC resolution; ``Q = 2**(adc_bits-1) - 1`` and ``|q| >= Q`` means saturated.
    dac_bits : int
        DAC resolution; the integration window lasts ``M = 2**(dac_bits-1) - 1`` cycles.
    bm_retries : int
        Largest bound-management shift (retries after the first read), 0..7.
    timeout : int
        Cycles after ``adc_start`` within which ``adc_done`` must arrive (default 1024).

    Ports
    -----
    start : In(1)             strobe, ignored while ``busy``.
    bm_enable : In(1)         sampled at ``start``: allow bound-management retries.
    sense_count : In(range(lanes+1))
                              sampled at ``start``: saturation is checked over lanes < sense_count.
    dac_go : Out(1)           to both DACs (``go``), registered.
    shift : Out(3)            to both DACs, the current bound-management shift s.
    int_rst, int_en, adc_start : Out(1)    to the macro, registered.
    adc_done : In(1)          from the macro, one-cycle strobe.
    adc_code : In(lanes*adc_bits)
                              from the macro, lane k at bits [k*adc_bits +: adc_bits], two's
                              complement, held by the macro until its next conversion.
    codes : Out(ArrayLayout(signed(16), lanes))
                              ``q_k << s`` of the final read (sign-preserving, int16: wraps like
                              the golden model should adc_bits - 1 + bm_retries exceed 15). Valid
                              from the ``done`` cycle, held until the next ``done``.
    bm_shift : Out(3)         s of the final read, updated with ``done``.
    saturated : Out(1)        the final read still had a saturated sense lane, updated with ``done``.
    done : Out(1)             one-cycle strobe: read complete.
    timeout : Out(1)          one-cycle strobe instead of ``done``: the macro did not answer.
                              codes / bm_shift / saturated keep their previous values.
    busy : Out(1)             high from the cycle after ``start`` up to the cycle before ``done``
                              / ``timeout``.

    Timing (``start`` in cycle n, one pass)
    ---------------------------------------
    n+1                : int_rst = 1, dac_go = 1 (the DACs sample codes and ``shift`` here)
    n+2 .. n+M+1       : int_en = 1 (exactly M cycles; DAC pulses occupy the first w_l of them)
    n+M+2 = a          : adc_start = 1
    d in a+1 .. a+timeout : first cycle with adc_done = 1; adc_code is sampled in cycle d.
        If any |q_k| >= Q over k < sense_count, bm_enable and s < bm_retries:
            s += 1 and the pass repeats with int_rst / dac_go in cycle d+1 (as "n+1" above).
        Else ``done`` in cycle d+1 (busy already low in d+1, a new ``start`` is accepted there).
    No adc_done in a+1 .. a+timeout: ``timeout`` in cycle a+timeout+1, back to idle.
    An adc_done in the adc_start cycle itself, or while idle, is ignored (it cannot answer this
    conversion: the macro's latency is at least one cycle).
    """

    def __init__(self, lanes: int, adc_bits: int, dac_bits: int, bm_retries: int,
                 timeout: int = 1024):
        for name, value, lo, hi in (("lanes", lanes, 1, 1 << 16), ("adc_bits", adc_bits, 2, 16),
                                    ("dac_bits", dac_bits, 2, 8), ("bm_retries", bm_retries, 0, 7),
                                    ("timeout", timeout, 1, 1 << 20)):
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
        self.lanes = lanes
        self.adc_bits = adc_bits
        self.dac_bits = dac_bits
        self.bm_retries = bm_retries
        self.timeout_cycles = timeout
        self.dac_max = (1 << (dac_bits - 1)) - 1
        self.adc_max = (1 << (adc_bits - 1)) - 1
        super().__init__({
            "start": In(1),
            "bm_enable": In(1),
            "sense_count": In(range(lanes + 1)),
            "dac_go": Out(1),
            "shift": Out(3),
            "int_rst": Out(1),
            "int_en": Out(1),
            "adc_start": Out(1),
            "adc_done": In(1),
            "adc_code": In(lanes * adc_bits),
            "codes": Out(data.ArrayLayout(signed(16), lanes)),
            "bm_shift": Out(3),
            "saturated": Out(1),
            "done": Out(1),
            "timeout": Out(1),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        M, Q, B = self.dac_max, self.adc_max, self.adc_bits

        bm_en = Signal()                                   # sampled at start
        sense = Signal(range(self.lanes + 1))              # sampled at start
        win = Signal(range(M))                             # int_en cycles still to go - 1
        waited = Signal(range(self.timeout_cycles + 1))    # cycles since adc_start
        # Raw ADC codes of the final read; `codes` is derived from them and `bm_shift`, so
        # only adc_bits (not 16) flops per lane are spent on holding the result.
        q_final = [Signal(signed(B), name=f"q_final{k}") for k in range(self.lanes)]

        # Saturation check straight on the macro's code bus in the adc_done cycle (the macro
        # holds adc_code, and deciding in that cycle saves a capture register per lane).
        q_in = [self.adc_code[k * B:(k + 1) * B].as_signed() for k in range(self.lanes)]
        lane_sat = Signal(self.lanes)
        for k in range(self.lanes):
            m.d.comb += lane_sat[k].eq((k < sense) & ((q_in[k] >= Q) | (q_in[k] <= -Q)))
        any_sat = lane_sat.any()
        # With bm_retries == 0 the comparison would be a constant (lint: UNSIGNED): no retry.
        retry = (any_sat & bm_en & (self.shift < self.bm_retries)) if self.bm_retries else C(0, 1)

        # Strobes default to low; the FSM raises them for exactly one cycle.
        m.d.sync += [self.done.eq(0), self.timeout.eq(0)]

        def begin_pass():
            # One cycle of integrator reset; the DACs latch codes and shift in the same cycle.
            return [self.int_rst.eq(1), self.dac_go.eq(1), self.busy.eq(1)]

        with m.FSM(name="adc_fsm"):
            with m.State("IDLE"):
                with m.If(self.start):
                    m.d.sync += [bm_en.eq(self.bm_enable), sense.eq(self.sense_count),
                                 self.shift.eq(0)] + begin_pass()
                    m.next = "RESET"
            with m.State("RESET"):                         # int_rst / dac_go high
                m.d.sync += [self.int_rst.eq(0), self.dac_go.eq(0),
                             self.int_en.eq(1), win.eq(M - 1)]
                m.next = "WINDOW"
            with m.State("WINDOW"):                        # int_en high, M cycles
                with m.If(win == 0):
                    m.d.sync += [self.int_en.eq(0), self.adc_start.eq(1), waited.eq(0)]
                    m.next = "CONVERT"
                with m.Else():
                    m.d.sync += win.eq(win - 1)
            with m.State("CONVERT"):                       # adc_start high in the first cycle
                m.d.sync += [self.adc_start.eq(0), waited.eq(waited + 1)]
                with m.If(self.adc_done & (waited != 0)):
                    with m.If(retry):
                        # Bound management: halve every input width and read again.
                        m.d.sync += [self.shift.eq(self.shift + 1)] + begin_pass()
                        m.next = "RESET"
                    with m.Else():
                        m.d.sync += [q.eq(q_in[k]) for k, q in enumerate(q_final)]
                        m.d.sync += [self.bm_shift.eq(self.shift), self.saturated.eq(any_sat),
                                     self.done.eq(1), self.busy.eq(0)]
                        m.next = "IDLE"
                with m.Elif(waited == self.timeout_cycles):
                    m.d.sync += [self.timeout.eq(1), self.busy.eq(0)]
                    m.next = "IDLE"

        # codes = q << s in int16 lanes (sign-preserving: q is sign-extended before the shift).
        # |q| <= 2**(B-1), so this only wraps for configs with B - 1 + bm_retries > 15; the
        # golden model (analog_models.tile_model, `(q << s).astype(np.int16)`) wraps the same
        # way, so the RTL truncates to the low 16 bits rather than clamping.
        for k, q in enumerate(q_final):
            m.d.comb += self.codes[k].eq(q << self.bm_shift)   # .eq sign-extends or truncates
        return m
