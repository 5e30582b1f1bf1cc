"""Top level of one ReRAM analog AI tile and its crossbar macro views.

Contract: docs/ARCHITECTURE.md section 1 (structure, pin muxes per array) and section 3 (macro
pins). The two arrays are instances of the black-box macro `reram_xbar` (`rtl/reram_xbar.v`)
named `xbar_a` and `xbar_c`; for simulation in Amaranth, `XbarModel` is a stand-in with the same
pins and the same behavioural view, selected with `AicoreTile(cfg, macro_factory=...)`.
"""
from __future__ import annotations

from typing import Callable

from amaranth.hdl import ClockSignal, Instance, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from analog_models.config import TileConfig

from .accumulator import GradientAccumulator
from .adc import AdcInterface
from .buffers import VectorBuffers
from .bus import NativeBusSignature, RegisterBus, bus_target_members
from .controller import Controller, RowSrc
from .dac import PulseWidthDac
from .scheduler import PulseScheduler

__all__ = ["xbar_signature", "xbar_parameters", "ReramXbar", "XbarModel", "MacroFactory",
           "tile_signature", "AicoreTile"]

WIDTH_BITS = 8  # lane width of the macro's width counters


def xbar_signature(cfg: TileConfig) -> wiring.Signature:
    """Pins of `reram_xbar` (macro view; the clock is the sync domain's)."""
    R, C = cfg.rows, cfg.cols
    return wiring.Signature({
        "rd_dir": In(1),
        "row_pulse": In(R),
        "row_neg": In(R),
        "col_pulse": In(C),
        "col_neg": In(C),
        "int_rst": In(1),
        "int_en": In(1),
        "adc_start": In(1),
        "adc_done": Out(1),
        "adc_code": Out(cfg.sense_lanes * cfg.adc_bits),
        "upd_en": In(1),
        "upd_set": In(1),
    })


def xbar_parameters(cfg: TileConfig) -> dict:
    """Verilog parameters of `reram_xbar` for a configuration."""
    return {"ROWS": cfg.rows, "COLS": cfg.cols, "ADC_BITS": cfg.adc_bits,
            "LANES": cfg.sense_lanes, "MAX_SLOTS": cfg.max_slots,
            "ADC_LATENCY": cfg.adc_latency}


class ReramXbar(wiring.Component):
    """The black-box macro: elaborates to `Instance("reram_xbar", ...)`.

    The instance is the fragment itself (no wrapper module), so the Verilog instance carries
    the submodule name given by the parent (`xbar_a`, `xbar_c`). Amaranth cannot simulate it.
    """

    def __init__(self, cfg: TileConfig):
        self.cfg = cfg
        super().__init__(xbar_signature(cfg))

    def elaborate(self, platform):
        ports = {}
        for name, member in self.signature.members.items():
            prefix = "i_" if member.flow == In else "o_"
            ports[prefix + name] = getattr(self, name)
        params = {"p_" + k: v for k, v in xbar_parameters(self.cfg).items()}
        return Instance("reram_xbar", i_clk=ClockSignal(), **params, **ports)


class XbarModel(wiring.Component):
    """Amaranth stand-in for `reram_xbar`: the same pins and the same behavioural view.

    Extra ports (the agent side, driven by an Amaranth testbench instead of VPI):
    model_code : In(LANES*ADC_BITS)   codes to hand out at the next conversion
    model_set : In(1)                 strobe: model_valid := 1 at this edge
    model_valid, width_row, neg_row, width_col, neg_col, window_len,
    rec_rows, rec_cols, rec_set, rec_count : Out
                                      the registers of rtl/reram_xbar.v, same layout

    Behaviour and timing are those of rtl/reram_xbar.v (see its header): width counters during
    int_en, cleared by int_rst; pulse record restarted when upd_en rises; adc_done ADC_LATENCY
    cycles after adc_start at the earliest, once model_valid is set, with lanes past the
    sense-line count forced to 0; model_valid cleared by the conversion and by int_rst.
    """

    def __init__(self, cfg: TileConfig):
        self.cfg = cfg
        R, C, S = cfg.rows, cfg.cols, cfg.max_slots
        super().__init__({
            **xbar_signature(cfg).members,
            "model_code": In(cfg.sense_lanes * cfg.adc_bits),
            "model_set": In(1),
            "model_valid": Out(1),
            "width_row": Out(R * WIDTH_BITS),
            "neg_row": Out(R),
            "width_col": Out(C * WIDTH_BITS),
            "neg_col": Out(C),
            "window_len": Out(8),
            "rec_rows": Out(S * R),
            "rec_cols": Out(S * C),
            "rec_set": Out(S),
            "rec_count": Out(8),
        })

    def elaborate(self, platform):
        m = Module()
        cfg = self.cfg
        R, C, S, B = cfg.rows, cfg.cols, cfg.max_slots, cfg.adc_bits

        # Integration window.
        with m.If(self.int_rst):
            m.d.sync += [self.width_row.eq(0), self.neg_row.eq(0), self.width_col.eq(0),
                         self.neg_col.eq(0), self.window_len.eq(0)]
        with m.Elif(self.int_en):
            with m.If(self.window_len != 0xFF):
                m.d.sync += self.window_len.eq(self.window_len + 1)
            for width, neg, pulse, pol, lines in (
                    (self.width_row, self.neg_row, self.row_pulse, self.row_neg, R),
                    (self.width_col, self.neg_col, self.col_pulse, self.col_neg, C)):
                for i in range(lines):
                    lane = width.word_select(i, WIDTH_BITS)
                    with m.If(pulse[i]):
                        m.d.sync += neg[i].eq(pol[i])
                        with m.If(lane != 0xFF):
                            m.d.sync += lane.eq(lane + 1)

        # Pulse record.
        upd_en_q = Signal()
        first = self.upd_en & ~upd_en_q
        slot = Signal(8)
        m.d.comb += slot.eq(Mux(first, 0, self.rec_count))
        m.d.sync += upd_en_q.eq(self.upd_en)
        with m.If(self.upd_en):
            with m.If(first):
                m.d.sync += [self.rec_rows.eq(0), self.rec_cols.eq(0), self.rec_set.eq(0)]
            with m.If(slot < S):
                with m.Switch(slot):
                    for s in range(S):
                        with m.Case(s):
                            m.d.sync += [self.rec_rows.word_select(s, R).eq(self.row_pulse),
                                         self.rec_cols.word_select(s, C).eq(self.col_pulse),
                                         self.rec_set[s].eq(self.upd_set)]
                m.d.sync += self.rec_count.eq(slot + 1)
            with m.Else():
                m.d.sync += self.rec_count.eq(slot)

        # ADC.
        conv_busy = Signal()
        conv_cnt = Signal(8)
        conv_dir = Signal()
        pending = self.adc_start | conv_busy
        elapsed = Mux(self.adc_start, 0, conv_cnt)
        direction = Mux(self.adc_start, self.rd_dir, conv_dir)
        fire = pending & (elapsed + 1 >= cfg.adc_latency) & self.model_valid
        fwd_mask = sum(((1 << B) - 1) << (k * B) for k in range(C))
        bwd_mask = sum(((1 << B) - 1) << (k * B) for k in range(R))
        m.d.sync += self.adc_done.eq(fire)
        with m.If(fire):
            m.d.sync += [self.adc_code.eq(self.model_code & Mux(direction, bwd_mask, fwd_mask)),
                         conv_busy.eq(0)]
        with m.Elif(self.adc_start):
            m.d.sync += [conv_busy.eq(1), conv_cnt.eq(1), conv_dir.eq(self.rd_dir)]
        with m.Elif(conv_busy & (conv_cnt != 0xFF)):
            m.d.sync += conv_cnt.eq(conv_cnt + 1)
        with m.If(self.model_set):
            m.d.sync += self.model_valid.eq(1)
        with m.Elif(fire | self.int_rst):
            m.d.sync += self.model_valid.eq(0)
        return m


MacroFactory = Callable[[TileConfig, str], wiring.Component]


def tile_signature() -> wiring.Signature:
    """Ports of the tile top: the native bus (target side) and irq."""
    return wiring.Signature({**bus_target_members(), "irq": Out(1)})


class AicoreTile(wiring.Component):
    """One tile: register bus, buffers, controller, DACs, ADC interface, pulse scheduler,
    transfer accumulator and the two crossbar macros.

    Parameters
    ----------
    cfg : TileConfig
    macro_factory : callable (cfg, name) -> component with `xbar_signature(cfg)`, optional
        Builds the macro instances `xbar_a` and `xbar_c`. Default: `ReramXbar` (black box, for
        Verilog). Pass e.g. `lambda cfg, name: XbarModel(cfg)` to simulate the tile in Amaranth.

    Ports
    -----
    bus_addr In(4), bus_wdata In(32), bus_we In(1), bus_re In(1), bus_rdata Out(32), irq Out(1);
    clock and synchronous active-high reset are the `sync` domain's (clk, rst).

    Submodules: bus, buffers, ctrl, dac_row, dac_col, adc, sched, acc, xbar_a, xbar_c.

    Pin muxes: during a read (FORWARD, BACKWARD, TRANSFER's read of A) the DACs and the ADC
    interface drive the selected array only; during UPDATE the scheduler drives the selected
    array; during TRANSFER's pulse phase the accumulator drives array C. Every pin of an array
    that is not selected for the running phase is 0, and adc_done / adc_code are taken from the
    array being read only.
    """

    def __init__(self, cfg: TileConfig, macro_factory: MacroFactory | None = None):
        if not isinstance(cfg, TileConfig):
            raise TypeError(f"cfg must be a TileConfig, got {cfg!r}")
        self.cfg = cfg
        self.macro_factory = macro_factory or (lambda c, name: ReramXbar(c))
        super().__init__(tile_signature())

    def elaborate(self, platform):
        m = Module()
        cfg = self.cfg
        R, C, M = cfg.rows, cfg.cols, cfg.dac_max

        m.submodules.bus = bus = RegisterBus(cfg)
        m.submodules.buffers = buf = VectorBuffers(cfg)
        m.submodules.ctrl = ctrl = Controller(cfg)
        m.submodules.dac_row = dac_row = PulseWidthDac(R, cfg.dac_bits)
        m.submodules.dac_col = dac_col = PulseWidthDac(C, cfg.dac_bits)
        m.submodules.adc = adc = AdcInterface(cfg.sense_lanes, cfg.adc_bits, cfg.dac_bits,
                                              cfg.bm_retries)
        m.submodules.sched = sched = PulseScheduler(R, C, cfg.max_bl)
        m.submodules.acc = acc = GradientAccumulator(R, C, cfg.acc_width)
        m.submodules.xbar_a = xa = self.macro_factory(cfg, "xbar_a")
        m.submodules.xbar_c = xc = self.macro_factory(cfg, "xbar_c")

        # Native bus.
        for name, member in NativeBusSignature.members.items():
            if member.flow == Out:      # host -> tile
                m.d.comb += getattr(bus, name).eq(getattr(self, name))
            else:
                m.d.comb += getattr(self, name).eq(getattr(bus, name))
        m.d.comb += self.irq.eq(bus.irq)

        # Register file <-> controller / buffers.
        wiring.connect(m, bus.cmd, ctrl.cmd)
        wiring.connect(m, ctrl.status, bus.status)
        wiring.connect(m, bus.stream, buf.stream)
        wiring.connect(m, ctrl.bufctl, buf.ctl)
        m.d.comb += ctrl.thresh.eq(bus.thresh)

        # Controller <-> ADC interface; the final codes go to the Y buffers.
        m.d.comb += [
            adc.start.eq(ctrl.adc.start),
            adc.bm_enable.eq(ctrl.adc.bm_enable),
            adc.sense_count.eq(ctrl.adc.sense_count),
            ctrl.adc.done.eq(adc.done),
            ctrl.adc.timeout.eq(adc.timeout),
            ctrl.adc.bm_shift.eq(adc.bm_shift),
            ctrl.adc.saturated.eq(adc.saturated),
            buf.codes.eq(adc.codes),
        ]

        # DAC codes: XIN / DIN, or TRANSFER's one-hot row at full width M.
        route = ctrl.route
        with m.Switch(route.row_src):
            with m.Case(RowSrc.XIN):
                m.d.comb += dac_row.codes.eq(buf.xin)
            with m.Case(RowSrc.ONEHOT):
                level = Signal(signed(8))
                m.d.comb += level.eq(Mux(route.onehot_neg, -M, M))
                m.d.comb += [dac_row.codes[i].eq(Mux(route.onehot_row == i, level, 0))
                             for i in range(R)]
        with m.If(route.col_din):
            m.d.comb += dac_col.codes.eq(buf.din)
        for dac in (dac_row, dac_col):
            m.d.comb += [dac.go.eq(adc.dac_go), dac.shift.eq(adc.shift)]

        # Scheduler and accumulator.
        m.d.comb += [
            sched.start.eq(ctrl.sched.start),
            sched.bl.eq(ctrl.sched.bl),
            sched.row_prob.eq(buf.px),
            sched.col_prob.eq(buf.pd),
            sched.seed.eq(bus.seed),
            sched.reseed.eq(bus.reseed),
            ctrl.sched.done.eq(sched.done),
            acc.start.eq(ctrl.acc.start),
            acc.row.eq(ctrl.acc.row),
            acc.clear.eq(ctrl.acc.clear),
            acc.codes.eq(buf.ycol),
            acc.threshold.eq(bus.thresh),
            acc.rd_en.eq(buf.h_rd_en),
            acc.rd_row.eq(buf.h_rd_row),
            buf.h_rd_data.eq(acc.rd_data),
            ctrl.acc.done.eq(acc.done),
        ]

        # Pin muxes per array. Sources are mutually exclusive by construction (the controller
        # runs one phase at a time), so each pin is an OR of gated sources.
        def gate(enable, value):
            return Mux(enable, value, 0)

        # (array, its read route, its update sources as (route, unit)).
        arrays = ((xa, route.read_a, ((route.sched_a, sched),)),
                  (xc, route.read_c, ((route.sched_c, sched), (route.acc_c, acc))))
        for xbar, rd, updaters in arrays:
            row_pulse = gate(rd, dac_row.pulse)
            col_pulse = gate(rd, dac_col.pulse)
            upd_en = upd_set = 0
            for sel, unit in updaters:
                row_pulse |= gate(sel, unit.row_pulse)
                col_pulse |= gate(sel, unit.col_pulse)
                upd_en |= sel & unit.upd_en
                upd_set |= sel & unit.upd_set
            m.d.comb += [
                xbar.rd_dir.eq(rd & route.rd_dir),
                xbar.row_pulse.eq(row_pulse),
                xbar.row_neg.eq(gate(rd, dac_row.neg)),
                xbar.col_pulse.eq(col_pulse),
                xbar.col_neg.eq(gate(rd, dac_col.neg)),
                xbar.int_rst.eq(rd & adc.int_rst),
                xbar.int_en.eq(rd & adc.int_en),
                xbar.adc_start.eq(rd & adc.adc_start),
                xbar.upd_en.eq(upd_en),
                xbar.upd_set.eq(upd_set),
            ]
        m.d.comb += [
            adc.adc_done.eq((route.read_a & xa.adc_done) | (route.read_c & xc.adc_done)),
            adc.adc_code.eq(gate(route.read_a, xa.adc_code) | gate(route.read_c, xc.adc_code)),
        ]
        return m
