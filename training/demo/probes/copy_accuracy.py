"""How much does a trained run copy from the prompt? Teacher-forced, on data written by generate.ts.

Counts the trained tokens that also occur in the 60 tokens before the assistant's reply (the user's
message) and are not among the data's 150 most frequent tokens: the copied names, cities and words. Prints
their argmax accuracy and mean negative log-likelihood. Use data the run was not trained on, e.g.

    npx tsx training/demo/generate.ts --seed 99 --count 100 --family repeat --out /tmp/rep
    /usr/bin/python3 training/demo/probes/copy_accuracy.py training/demo/runs/main /tmp/rep
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import train  # noqa: E402
from model import Transformer  # noqa: E402


def main():
    run, data = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    state = torch.load(os.path.join(run, "state.pt"))
    vocab = json.load(open(os.path.join(run, "vocab.json")))
    seen = np.array(vocab["seen"])
    f2r = np.full(train.FULL_VOCAB, len(seen), dtype=np.int64)
    f2r[seen] = np.arange(len(seen))
    tokens, mask, offsets = train.load_data(data)
    common = set(np.argsort(-np.bincount(tokens, minlength=train.FULL_VOCAB))[:150].tolist())
    model = Transformer(vocab["config"], len(seen) + 1)
    model.load_state_dict(state["model"])
    model.eval()
    hit = total = 0
    nll = 0.0
    for i in range(len(offsets) - 1):
        tok = tokens[offsets[i] : offsets[i + 1]]
        trained = mask[offsets[i] : offsets[i + 1]] == 1
        first = int(np.argmax(trained))
        prompt = set(tok[max(0, first - 60) : first].tolist())
        x = torch.from_numpy(f2r[tok])[None]
        with torch.no_grad():
            h, _ = model.hidden(x)
            logp = torch.log_softmax(model.logits(h[0, :-1], len(seen), train.FULL_VOCAB - len(seen)), -1)
        for t in range(1, len(tok)):
            if trained[t] and tok[t] in prompt and tok[t] not in common:
                total += 1
                hit += int(logp[t - 1].argmax() == x[0, t])
                nll -= float(logp[t - 1, x[0, t]])
    print(json.dumps({"run": run, "step": state["step"], "data": data, "copied_tokens": total,
                      "accuracy": round(hit / max(1, total), 3), "nll": round(nll / max(1, total), 3)}))


if __name__ == "__main__":
    main()
