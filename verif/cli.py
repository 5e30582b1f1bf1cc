"""`aicore`: the project's command line.

    aicore train      the main job: in-situ training + aging + inference through the RTL
    aicore rtl        emit the default configuration's Verilog into rtl/
    aicore lint       Verilator --lint-only -Wall on the emitted Verilog and the macro
    aicore bench      simulation throughput, cycles per operation, build time
    aicore calibrate  device figures measured from the model against REFERENCE.md

Bad input exits with status 2 and one line naming the parameter; nothing is traced back.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_USAGE = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, status 2, no usage dump
        raise UsageError(f"{self.prog}: error: {message} (see `{self.prog} --help`)")


def _parser() -> argparse.ArgumentParser:
    from .job import ALGORITHMS, JobConfig

    d = JobConfig()
    p = _Parser(prog="aicore", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    t = sub.add_parser("train", help="in-situ training and aged inference through the RTL")
    t.add_argument("--dataset", default="digits",
                   help="'digits' (scikit-learn, default) or a numeric CSV, label in the last column")
    t.add_argument("--out", default="out/demo", help="output directory (default out/demo)")
    t.add_argument("--backend", choices=("rtl", "model"), default="rtl",
                   help="rtl: Verilator RTL in lockstep with the system model (default); "
                        "model: the system model alone")
    t.add_argument("--epochs", type=int, default=d.epochs)
    t.add_argument("--hidden", type=int, default=d.hidden)
    t.add_argument("--algorithm", choices=ALGORITHMS, default=d.algorithm)
    t.add_argument("--device", default=d.device, help="device preset (default cmo_hfox)")
    t.add_argument("--lr", type=float, default=d.lr)
    t.add_argument("--fast-lr", type=float, default=d.fast_lr)
    t.add_argument("--thresh", type=int, default=d.thresh)
    t.add_argument("--transfers-per-sample", type=int, default=d.transfers_per_sample)
    t.add_argument("--chop-prob", type=float, default=d.chop_prob)
    t.add_argument("--settle-cycles", type=int, default=d.settle_cycles,
                   help="c-TTv2: SET/RESET pulse pairs that bring A to its symmetry point")
    t.add_argument("--weight-scale", type=float, default=d.weight_scale)
    t.add_argument("--seed", type=int, default=d.seed)
    t.add_argument("--train-limit", type=int, default=0,
                   help="use the first N training samples (0 = all, default)")
    t.add_argument("--test-limit", type=int, default=0,
                   help="use the first N test samples (0 = all, default)")
    t.add_argument("--waves", action="store_true",
                   help="also write dump.vcd into --out (a separate build with tracing; limits "
                        "the run to 8+8 samples, about 35 MB, unless --train-limit/--test-limit "
                        "are given)")
    t.add_argument("--build-dir", default="build", help="simulation build cache (default build/)")

    r = sub.add_parser("rtl", help="emit the default configuration's Verilog")
    r.add_argument("--out", default=None, help="output file (default rtl/aicore_mlp.v)")

    sub.add_parser("lint", help="Verilator lint of the emitted Verilog and the macro")

    b = sub.add_parser("bench", help="throughput, cycles per operation and build time")
    b.add_argument("--samples", type=int, default=200, help="training samples to time (default 200)")
    b.add_argument("--build-dir", default="build/bench", help="fresh build directory for timing")

    c = sub.add_parser("calibrate", help="device figures measured from the model")
    c.add_argument("--device", default=d.device)
    return p


def _job_from_args(args):
    from .job import JobConfig

    train_limit, test_limit = args.train_limit, args.test_limit
    if args.waves and not train_limit and not test_limit:
        train_limit = test_limit = 8
        print("note: --waves limits the run to 8 training and 8 test samples "
              "(give --train-limit/--test-limit to choose)")
    return JobConfig(dataset=args.dataset, hidden=args.hidden, epochs=args.epochs,
                     algorithm=args.algorithm, device=args.device, lr=args.lr,
                     fast_lr=args.fast_lr, thresh=args.thresh,
                     transfers_per_sample=args.transfers_per_sample, chop_prob=args.chop_prob,
                     settle_cycles=args.settle_cycles, weight_scale=args.weight_scale,
                     seed=args.seed, train_limit=train_limit, test_limit=test_limit)


def _writable_dir(path: str, option: str) -> Path:
    """Create an output directory or fail with a usage error naming the option."""
    if not path.strip():
        raise UsageError(f"aicore: error: {option} must name a directory, got an empty string")
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"aicore: error: {option} {directory}: exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".aicore-write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        raise UsageError(f"aicore: error: {option} {directory}: cannot write there "
                         f"({err.strerror})") from None
    return directory


def _check_preset(name: str, option: str = "--device") -> None:
    from analog_models.presets import get_preset

    try:
        get_preset(name)
    except ValueError as err:
        raise UsageError(f"aicore: error: {option}: {err}") from None


def cmd_train(args) -> int:
    from analog_models.algorithms import train_float_baseline

    from . import report
    from .system import load_dataset, run_model

    job = _job_from_args(args)
    _check_preset(job.device)
    if args.backend == "rtl":
        from .simulator import find_verilator

        find_verilator()  # fail in one line now, not after loading data and the baseline
    data = load_dataset(job)
    tiles = job.tile_configs(data.features, data.classes)  # too many features -> exit 2
    out = _writable_dir(args.out, "--out")
    if args.backend == "rtl":
        _writable_dir(args.build_dir, "--build-dir")
    job_path = out / "job.json"
    job_path.write_text(job.to_json())
    x_tr, y_tr, x_te, y_te = job.split(data)
    print(f"dataset {data.name}: {len(x_tr)} train / {len(x_te)} test samples"
          + (f" (of {len(data.x_train)} / {len(data.x_test)})"
             if (len(x_tr), len(x_te)) != (len(data.x_train), len(data.x_test)) else "")
          + f", {data.features} features, {data.classes} classes; tiles "
          + ", ".join(f"{t.rows}x{t.cols}" for t in tiles))
    fp_accuracy, fp_curve = train_float_baseline(x_tr, y_tr, x_te, y_te, job.hidden,
                                                 data.classes, job.epochs, job.lr, job.seed)
    print(f"floating-point baseline: {fp_accuracy:.3f}")

    build_info = None
    if args.backend == "model":
        run = run_model(job, out, progress=True)
    else:
        from .runner import build, run as run_sim

        print("building the RTL simulation (Amaranth -> Verilog -> Verilator) ...", flush=True)
        build_info = build(tiles, Path(args.build_dir), waves=args.waves)
        print(f"RTL build: {'reused' if build_info.reused else f'{build_info.seconds:.1f} s'} "
              f"(Verilator {build_info.verilator}) in {build_info.directory}")
        env = {"AICORE_JOB": str(job_path.resolve()), "AICORE_OUT": str(out.resolve()),
               "AICORE_PROGRESS": "1", "COCOTB_LOG_LEVEL": "WARNING", "GPI_LOG_LEVEL": "WARNING"}
        run_file = out / "rtl_run.json"
        run_file.unlink(missing_ok=True)
        run_sim(build_info, "verif.cocotb_main", extra_env=env, waves=args.waves,
                results_dir=out.resolve())
        if not run_file.exists():
            print(f"aicore: the RTL simulation ended without results (see {out}/results.xml)",
                  file=sys.stderr)
            return 1
        run = json.loads(run_file.read_text())

    results = report.write_results(out, job, tiles, data, fp_accuracy, fp_curve, run,
                                   build_info, waves=args.waves)
    report.print_table(results)
    report.plot(out, results)
    print(f"results: {out / 'results.json'}; plots: {out}/*.png")
    if args.waves and (out / "dump.vcd").exists():
        print(f"waveform: {out / 'dump.vcd'} ({(out / 'dump.vcd').stat().st_size / 1e6:.0f} MB)")
    if results["mismatches"]:
        print(f"aicore: {results['mismatches']} RTL-vs-model mismatches", file=sys.stderr)
        return 1
    return 0


def cmd_rtl(args) -> int:
    from hdl_gen.emit import DEFAULT_TILES, emit_verilog

    from .runner import RTL_DIR

    path = Path(args.out) if args.out else RTL_DIR / "aicore_mlp.v"
    _writable_dir(str(path.parent), "--out")
    emit_verilog(DEFAULT_TILES, path, top_name="aicore_mlp")
    print(f"wrote {path} (tiles " + ", ".join(f"{t.rows}x{t.cols}" for t in DEFAULT_TILES) + ")")
    return 0


def cmd_lint(args) -> int:
    from .lint import lint

    ok, text = lint()
    print(text.rstrip() or "lint: no warnings")
    return 0 if ok else 1


def cmd_bench(args) -> int:
    from .bench import NotABenchDirectory, bench

    if not 10 <= args.samples <= 1437:
        raise UsageError(f"aicore: error: --samples must be in [10, 1437], got {args.samples}")
    try:
        return bench(samples=args.samples, build_root=_writable_dir(args.build_dir, "--build-dir"))
    except NotABenchDirectory as err:
        raise UsageError(f"aicore bench: error: {err}") from None


def cmd_calibrate(args) -> int:
    from analog_models.calibrate import main as calibrate_main

    _check_preset(args.device)
    return calibrate_main(["--preset", args.device]) or 0


def main(argv=None) -> int:
    from analog_models.config import ConfigError
    from analog_models.datasets import DatasetError

    try:
        parser = _parser()
        args, unknown = parser.parse_known_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        if unknown:  # name the subcommand whose --help lists the valid options
            prog = f"{parser.prog} {args.command}"
            raise UsageError(f"{prog}: error: unrecognized arguments: {' '.join(unknown)} "
                             f"(see `{prog} --help`)")
        handler = {"train": cmd_train, "rtl": cmd_rtl, "lint": cmd_lint, "bench": cmd_bench,
                   "calibrate": cmd_calibrate}[args.command]
        return handler(args)
    except UsageError as err:
        print(err, file=sys.stderr)
        return EXIT_USAGE
    except (ConfigError, DatasetError) as err:
        print(f"aicore: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("aicore: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # environment problems (simulator missing, build failure)
        from .runner import BuildError
        from .simulator import SimulatorNotFound

        if isinstance(err, (SimulatorNotFound, BuildError)):
            print(f"aicore: {err}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
