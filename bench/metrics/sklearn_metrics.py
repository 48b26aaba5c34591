#!/usr/bin/python3
"""scikit-learn's side of bench/metrics.

    sklearn_metrics.py --anchors DIR --embedding Y.npy --n N [--k K]

Reads the first N Fashion-MNIST training images with the anchors' common.py
(float32 in [0,1]) and the first N rows of the embedding Y (float32 .npy
written by the Go side), then times:
  trustworthiness(X, Y, n_neighbors=K)
  common.knn_accuracy_cv(Y, labels, k=K)   (5-fold StratifiedKFold, shuffled, seed 0)
  silhouette_score(Y, labels)
and prints one RESULT line with the wall and CPU (process_time) seconds of
each.
"""
import argparse
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--anchors", required=True)
p.add_argument("--embedding", required=True)
p.add_argument("--n", type=int, required=True)
p.add_argument("--k", type=int, default=10)
a = p.parse_args()
sys.path.insert(0, a.anchors)

import common  # noqa: E402  (pins threads before numpy)
from common import Timer, knn_accuracy_cv, load_fmnist, np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.manifold import trustworthiness  # noqa: E402
from sklearn.metrics import silhouette_score  # noqa: E402

X, y = load_fmnist("train")
X, y = X[:a.n], y[:a.n]
Y = np.load(a.embedding)[:a.n]
print("sklearn", sklearn.__version__, "X", X.shape, "Y", Y.shape, file=sys.stderr)


def timed(f):
    """Runs f, returning its value, wall seconds and CPU seconds (all threads)."""
    c0 = time.process_time()
    with Timer() as t:
        v = f()
    return v, t.s, time.process_time() - c0


tw, trust_s, trust_c = timed(lambda: trustworthiness(X, Y, n_neighbors=a.k))
(acc, sd), acc_s, acc_c = timed(lambda: knn_accuracy_cv(Y, y, k=a.k))
sil, sil_s, sil_c = timed(lambda: silhouette_score(Y, y))
print(f"RESULT metrics sklearn n={a.n} trust={tw:.6f} trust_s={trust_s:.3f} trust_cpu_s={trust_c:.3f} "
      f"knn_acc={acc:.4f} knn_acc_sd={sd:.4f} knn_acc_s={acc_s:.3f} knn_acc_cpu_s={acc_c:.3f} "
      f"silhouette={sil:.6f} silhouette_s={sil_s:.3f} silhouette_cpu_s={sil_c:.3f}")
