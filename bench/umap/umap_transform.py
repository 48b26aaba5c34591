#!/usr/bin/python3
"""umap-learn transform timing, run by bench/umap next to latent's.

Fits UMAP(n_neighbors=15, min_dist=0.1, random_state=42) on the 60,000
Fashion-MNIST training images, then times transform() of the 10,000 test
images. A fit and transform of 5,000 images run first so that numba's
compilation is not timed (the 'warm' figures); the first transform after
the big fit is timed too, and then a second one. Held-out quality: accuracy
of a 10-NN classifier fitted on the training embedding, scored on the
transformed test points. With the argument fit70k it then also fits all
70,000 images (seeded), as bench_umap.py does, to report the process's CPU
time (time.process_time, all threads) next to the wall time: on a shared
machine the CPU time depends less on the other load. Prints RESULT lines
for bench/internal/anchor.

Usage (from ../shared/anchors, so that common.py is importable):
    /usr/bin/python3 /path/to/umap_transform.py [fit70k]
"""
import os
import sys

sys.path.insert(0, os.getcwd())  # the anchors folder, for common.py
import common  # noqa: F401,E402  (pins the thread counts first)
from common import Timer, load_all, load_fmnist, np  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import umap
from sklearn.neighbors import KNeighborsClassifier

warnings.filterwarnings("ignore", category=UserWarning)

xtr, ytr = load_fmnist("train")
xte, yte = load_fmnist("test")
print("umap", umap.__version__, "train", xtr.shape, "test", xte.shape)

# Warm-up: compile fit and transform paths on small data.
rng = np.random.default_rng(0)
w = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=42).fit(xtr[rng.choice(len(xtr), 5000, replace=False)])
w.transform(xte[:2000])

reducer = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=42)
c0 = time.process_time()
with Timer() as t:
    reducer.fit(xtr)
cpu = time.process_time() - c0
print(f"RESULT umaptransform fit n={len(xtr)} time_s={t.s:.3f} cpu_s={cpu:.2f}")
sys.stdout.flush()
for run in ("first", "second"):
    c0 = time.process_time()
    with Timer() as t:
        yt = reducer.transform(xte)
    cpu = time.process_time() - c0
    acc = KNeighborsClassifier(n_neighbors=10).fit(reducer.embedding_, ytr).score(yt, yte)
    print(f"RESULT umaptransform transform {run} n={len(xte)} time_s={t.s:.3f} cpu_s={cpu:.2f} heldout_knn10_acc={acc:.4f}")
    sys.stdout.flush()

if "fit70k" in sys.argv[1:]:
    xall, yall = load_all()
    c0 = time.process_time()
    with Timer() as t:
        umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=42).fit_transform(xall)
    cpu = time.process_time() - c0
    print(f"RESULT umapcpu fit n={len(xall)} random_state=42 time_s={t.s:.3f} cpu_s={cpu:.2f}")
