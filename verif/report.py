"""results.json, the summary table and the PNG plots of the main job."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .job import AGING_LABELS


def _label(t: float) -> str:
    for value, text in AGING_LABELS.items():
        if abs(value - t) < 1e-6 * value:
            return text
    return f"{t:.3g} s"


def write_results(out: Path, job, tiles, data, fp_accuracy: float, fp_curve: list, run: dict,
                  build_info, waves: bool) -> dict:
    from analog_models.presets import get_preset

    rtl = run["backend"] == "rtl"
    final = run["epoch_accuracy"][-1]
    results = {
        "fp_accuracy": fp_accuracy,
        "model_accuracy": run["epoch_model_accuracy"][-1],
        "rtl_accuracy": final if rtl else None,
        "mismatches": run["mismatches"],
        "compared": run["compared"],
        "inference": [{"t_seconds": p["t_seconds"], "label": _label(p["t_seconds"]),
                       "rtl_accuracy": p["rtl_accuracy"] if rtl else None,
                       "model_accuracy": p["model_accuracy"]} for p in run["inference"]],
        "training": {"fp_test_accuracy": fp_curve,
                     "test_accuracy": run["epoch_accuracy"],
                     "model_test_accuracy": run["epoch_model_accuracy"],
                     "train_accuracy": run["epoch_train_accuracy"]},
        "backend": run["backend"],
        "run_seconds": run["seconds"],
        "config": {"job": json.loads(job.to_json()),
                   "tiles": [t.to_dict() for t in tiles],
                   "device": asdict(get_preset(job.device)),
                   "dataset": {"name": data.name, "train": len(data.x_train),
                               "test": len(data.x_test), "features": data.features,
                               "classes": data.classes,
                               "train_used": len(job.split(data)[0]),
                               "test_used": len(job.split(data)[2])}},
    }
    if rtl:
        results["simulation"] = {k: run[k] for k in ("sim_cycles", "bus_transactions",
                                                       "command_busy_cycles")}
        results["mismatch_reports"] = run["mismatch_reports"]
    if build_info is not None:
        results["build"] = {"seconds": build_info.seconds, "reused": build_info.reused,
                            "verilator": build_info.verilator,
                            "directory": str(build_info.directory)}
        if waves:
            results["waves"] = str(out / "dump.vcd")
    (out / "results.json").write_text(json.dumps(results, indent=2))
    return results


def print_table(results: dict) -> None:
    rtl = results["backend"] == "rtl"
    fmt = lambda v: "   -  " if v is None else f"{100 * v:5.1f}%"  # noqa: E731
    rows = [("after training", results["fp_accuracy"], results["model_accuracy"],
             results["rtl_accuracy"])]
    for point in results["inference"]:
        rows.append((f"inference {point['label']}", None, point["model_accuracy"],
                     point["rtl_accuracy"]))
    print()
    print(f"{'phase':<22} {'float':>7} {'model':>7} {'RTL':>7}")
    print("-" * 46)
    for name, fp, model, rtl_acc in rows:
        print(f"{name:<22} {fmt(fp):>7} {fmt(model):>7} {fmt(rtl_acc):>7}")
    print("-" * 46)
    if rtl:
        print(f"RTL-vs-model mismatches: {results['mismatches']} "
              f"(of {results['compared']} compared values)")
    print()


def plot(out: Path, results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tr = results["training"]
    epochs = np.arange(1, len(tr["test_accuracy"]) + 1)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(epochs, tr["fp_test_accuracy"], "k--", marker="o", label="floating point")
    ax.plot(epochs, tr["model_test_accuracy"], marker="s", label="system model")
    if results["backend"] == "rtl":
        ax.plot(epochs, tr["test_accuracy"], marker="x", linestyle=":", label="RTL")
    ax.plot(epochs, tr["train_accuracy"], alpha=0.5, label="train (running)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("In-situ training")
    fig.tight_layout()
    fig.savefig(out / "training_curve.png", dpi=120)
    plt.close(fig)

    inf = results["inference"]
    t = [p["t_seconds"] for p in inf]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.semilogx(t, [p["model_accuracy"] for p in inf], marker="s", label="system model")
    if results["backend"] == "rtl":
        ax.semilogx(t, [p["rtl_accuracy"] for p in inf], marker="x", linestyle=":", label="RTL")
    ax.axhline(results["fp_accuracy"], color="k", linestyle="--", label="floating point")
    for p in inf:
        ax.annotate(p["label"], (p["t_seconds"], p["model_accuracy"]), fontsize=7,
                    textcoords="offset points", xytext=(0, 6), ha="center")
    ax.set_xlabel("time after programming [s]")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower left")
    ax.set_title("Inference under conductance drift")
    fig.tight_layout()
    fig.savefig(out / "accuracy_vs_time.png", dpi=120)
    plt.close(fig)

    data = np.load(out / "conductances.npz")
    keys = sorted(k for k in data.files if k.endswith("_C"))
    tiles = sorted({k.split("_")[1] for k in keys})
    fig, axes = plt.subplots(1, len(tiles), figsize=(5 * len(tiles), 3.5), squeeze=False)
    for ax, tile in zip(axes[0], tiles):
        for stage, label in (("trained", "after training"),
                             ("aged", f"after {inf[-1]['label']}" if inf else "aged")):
            key = f"{stage}_{tile}_C"
            if key in data.files:
                ax.hist(data[key].ravel(), bins=60, range=(0, 100), alpha=0.6, label=label)
        ax.set_xlabel("conductance [uS]")
        ax.set_ylabel("devices")
        ax.set_title(f"{tile}: weight array C")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "conductance_histograms.png", dpi=120)
    plt.close(fig)
