#!/usr/bin/python3
"""anchors/bench_interp.py's interpolation figures, computed on latent's own
MLP models (784-512-256-20, the anchor's architecture) instead of the
PyTorch-trained ones, so that metrics.Smoothness can be checked pair by
pair against the anchor's code on the same decoder (report/anchor_test.go).

    /usr/bin/python3 anchor_interp.py MODELDIR OUT.json

MODELDIR holds vae.safetensors and ae.safetensors written by
"latent train --arch mlp --hidden 512,256 --latent 20". The anchors folder
is $ANCHORS (default /work/shared/anchors); the data $FMNIST_DIR as there.
The loop below is bench_interp.py's, unchanged but for recording the pairs
and the per-pair figures.
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.environ.get("ANCHORS", "/work/shared/anchors"))
import common  # noqa: F401,E402  (pins threads first)
from common import load_fmnist, np  # noqa: E402
import torch  # noqa: E402
from bench_vae import Net  # noqa: E402

torch.set_num_threads(2)

# latent's layer names -> bench_vae.Net's
NAMES = {"enc.0": "enc.0", "enc.1": "enc.2", "mu": "mu", "logvar": "logvar",
         "dec.0": "dec.0", "dec.1": "dec.2", "dec.2": "dec.4"}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", (name, t["dtype"])
        lo, hi = t["data_offsets"]
        out[name] = np.frombuffer(data[lo:hi], dtype="<f4").reshape(t["shape"]).copy()
    return out


def main(modeldir, outpath):
    xte = torch.from_numpy(load_fmnist("test")[0])
    rng = np.random.default_rng(0)
    pairs = []
    while len(pairs) < 100:
        a, b = rng.integers(0, xte.shape[0], 2)
        if a != b:
            pairs.append((a, b))
    pairs = np.array(pairs)
    t = torch.linspace(0, 1, 16)[:, None]
    result = {"pairs": pairs.tolist()}
    for kind in ("vae", "ae"):
        model = Net(vae=(kind == "vae"))
        state = {}
        for name, v in load_safetensors(os.path.join(modeldir, kind + ".safetensors")).items():
            layer, _, param = name.rpartition(".")
            state[NAMES[layer] + "." + param] = torch.from_numpy(v)
        model.load_state_dict(state)
        model.eval()
        ratios, straight, cvs, zdist = [], [], [], []
        with torch.no_grad():
            mu, _ = model.encode(xte)
            for a, b in pairs:
                za, zb = mu[a], mu[b]
                xs = model.decode(za[None] + t * (zb - za)[None]).double()
                d = torch.linalg.norm(xs[1:] - xs[:-1], dim=1)
                L = d.sum().item()
                ratios.append(d.max().item() / L)
                straight.append(torch.linalg.norm(xs[-1] - xs[0]).item() / L)
                cvs.append((d.std(unbiased=False) / d.mean()).item())
                zdist.append(torch.linalg.norm(zb - za).item())
        r, s, c = map(np.array, (ratios, straight, cvs))
        print(f"RESULT interp {kind} step_ratio_mean={r.mean():.4f} step_ratio_max={r.max():.4f} "
              f"straightness_mean={s.mean():.4f} straightness_min={s.min():.4f} "
              f"step_cv_mean={c.mean():.4f} step_cv_max={c.max():.4f} latent_dist_mean={np.mean(zdist):.3f}")
        result[kind] = {"step_ratio": ratios, "straightness": straight, "step_cv": cvs, "latent_dist": zdist}
    with open(outpath, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
