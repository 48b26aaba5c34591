#!/usr/bin/python3
"""matplotlib's side of bench/viz.

    mpl_scatter.py --embedding Y.npy --labels L.npy --out DIR [--repeats R]

Draws the same 70,000-point scatter as latent: 960x800 pixels (9.6x8 in at
100 dpi), one colour per class (tab10), points of radius ~1.2 px (s=3.2
points^2) at alpha 0.45, in an order shuffled once, axes and a legend; and
saves it as PNG and as SVG. Prints one RESULT line with the best wall time
of R repeats of each (figure creation to file written).
"""
import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--embedding", required=True)
p.add_argument("--labels", required=True)
p.add_argument("--out", required=True)
p.add_argument("--repeats", type=int, default=3)
a = p.parse_args()

Y = np.load(a.embedding)
y = np.load(a.labels)
order = np.random.default_rng(0).permutation(len(y))
Y, y = Y[order], y[order]
cmap = plt.get_cmap("tab10")


def draw(path):
    fig, ax = plt.subplots(figsize=(9.6, 8), dpi=100)
    ax.scatter(Y[:, 0], Y[:, 1], c=cmap(y % 10), s=3.2, alpha=0.45, linewidths=0)
    for k in range(int(y.max()) + 1):
        ax.scatter([], [], color=cmap(k), label=str(k))
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


res = {}
for fmt in ("png", "svg"):
    best = float("inf")
    for _ in range(a.repeats):
        t = time.perf_counter()
        draw(os.path.join(a.out, "matplotlib." + fmt))
        best = min(best, time.perf_counter() - t)
    res[fmt] = best
    res[fmt + "_bytes"] = os.path.getsize(os.path.join(a.out, "matplotlib." + fmt))
print("RESULT viz matplotlib n=%d version=%s png_s=%.4f svg_s=%.4f png_bytes=%d svg_bytes=%d" % (
    len(y), matplotlib.__version__, res["png"], res["svg"], res["png_bytes"], res["svg_bytes"]))
