"""Averages the weights of several finished runs that started from the same state (a "model soup"), into a
new run directory that export.py takes like any other.

    /usr/bin/python3 training/demo/average.py --out training/demo/runs/soup RUN_A RUN_B

Two fine-tunes of one checkpoint on the same data, with other seeds or rates, stay close enough in weight
space that their mean is a model of its own, and it missed fewer held-out prompts than either run alone
(training/demo/README.md, stage 8). Runs must have the same seen tokens and the same tensor shapes: the
mean of rows that belong to different tokens would be no model at all.
"""
import argparse
import os
import shutil

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="the run directory to write state.pt and vocab.json into")
    ap.add_argument("runs", nargs="+", help="run directories holding state.pt and vocab.json")
    args = ap.parse_args()
    if len(args.runs) < 2:
        ap.error("give at least two runs to average")
    states = [torch.load(os.path.join(run, "state.pt"), map_location="cpu") for run in args.runs]
    first = states[0]
    for run, state in zip(args.runs[1:], states[1:]):
        if state["seen"] != first["seen"]:
            raise SystemExit(f"average.py: {run} saw other tokens than {args.runs[0]}; only runs on the same data can be averaged")
        if state["model"].keys() != first["model"].keys() or any(
            state["model"][k].shape != v.shape for k, v in first["model"].items()
        ):
            raise SystemExit(f"average.py: {run} has other tensors or shapes than {args.runs[0]}")
    model = {k: sum(s["model"][k].float() for s in states) / len(states) for k in first["model"]}
    os.makedirs(args.out, exist_ok=True)
    # No optimizer state: the mean is an end point to export (or to --init another run from), not one to resume.
    torch.save({"model": model, "seen": first["seen"], "step": first["step"], "averaged": [os.path.abspath(r) for r in args.runs]},
               os.path.join(args.out, "state.pt"))
    shutil.copy(os.path.join(args.runs[0], "vocab.json"), os.path.join(args.out, "vocab.json"))
    print(f"wrote {args.out}/state.pt: the mean of {len(states)} runs, {len(first['seen'])} seen tokens")


if __name__ == "__main__":
    main()
