#!/usr/bin/python3
"""Writes the reference fixture for the metrics package tests.

Run from metrics/testdata:

    /usr/bin/python3 gen_reference.py

Tools: Debian 12's /usr/bin/python3 3.11.2 with numpy 1.24.2,
scikit-learn 1.2.1 and torch 1.13.1+dfsg (reports 1.13.0a0).

Outputs:
  fixture.csv    150 rows: label, label2 (one singleton cluster), fold
                 (StratifiedKFold(5, shuffle=True, random_state=0) test fold),
                 x0..x11 (input, float32), y0..y1 (embedding, float32)
  recon.csv      40 rows: t0..t5 (targets in [0,1]), p0..p5 (probabilities,
                 some exactly 0 or 1)
  expected.json  the figures below, printed with repr (17 digits)

Distances are computed by sklearn on the float32 values cast to float64, so
the figures are those of the exact values the Go tests load. The
precomputed-metric figures use Manhattan distances of the input rounded to
float32, which the Go test recomputes the same way.
"""
import json

import numpy as np
import sklearn
import torch
from sklearn.manifold import trustworthiness
from sklearn.metrics import silhouette_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

rng = np.random.default_rng(20261129)
n, d = 150, 12
centers = rng.normal(0, 2.5, size=(4, d))
label = rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
X = (centers[label] + rng.normal(0, 1.5, size=(n, d))).astype(np.float32)
P = rng.normal(0, 1, size=(d, 2))
Y = (X.astype(np.float64) @ P + rng.normal(0, 1.0, size=(n, 2))).astype(np.float32)
label2 = label.copy()
label2[7] = 4  # a cluster with one member
X64, Y64 = X.astype(np.float64), Y.astype(np.float64)

folds = np.full(n, -1)
skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
for f, (_, test) in enumerate(skf.split(X64, label)):
    folds[test] = f

exp = {"sklearn": sklearn.__version__, "torch": torch.__version__}
for k in (1, 5, 10, 30, 74):
    exp[f"trust_k{k}"] = float(trustworthiness(X64, Y64, n_neighbors=k))
    exp[f"cont_k{k}"] = float(trustworthiness(Y64, X64, n_neighbors=k))
# Precomputed input distances: Manhattan distances (scipy cdist, summed in
# index order) rounded to float32, as the Go test computes them.
from scipy.spatial.distance import cdist  # noqa: E402
D = cdist(X64, X64, "cityblock").astype(np.float32).astype(np.float64)
for k in (5, 10):
    exp[f"trust_precomputed_manhattan_k{k}"] = float(
        trustworthiness(D, Y64, n_neighbors=k, metric="precomputed"))
exp["silhouette_x"] = float(silhouette_score(X64, label))
exp["silhouette_y"] = float(silhouette_score(Y64, label))
exp["silhouette_y_singleton"] = float(silhouette_score(Y64, label2))
exp["silhouette_x_singleton"] = float(silhouette_score(X64, label2))
for name, data in (("x", X64), ("y", Y64)):
    for k in (1, 10):
        s = cross_val_score(KNeighborsClassifier(n_neighbors=k), data, label, cv=skf)
        exp[f"knnacc_{name}_k{k}_folds"] = [float(v) for v in s]
        exp[f"knnacc_{name}_k{k}_mean"] = float(s.mean())
        exp[f"knnacc_{name}_k{k}_std"] = float(s.std())

T = rng.uniform(0, 1, size=(40, 6)).astype(np.float32)
T[:5] = np.round(T[:5])
Pr = rng.uniform(0, 1, size=(40, 6)).astype(np.float32)
Pr[0, :3] = [0, 1, 0]
Pr[1, :3] = [1, 0, 1]
tt, pt = torch.from_numpy(T), torch.from_numpy(Pr)
exp["bce"] = float(torch.nn.functional.binary_cross_entropy(pt.double(), tt.double()))
exp["mse"] = float(torch.nn.functional.mse_loss(pt.double(), tt.double()))
exp["bce_rows"] = [float(v) for v in torch.nn.functional.binary_cross_entropy(
    pt.double(), tt.double(), reduction="none").mean(dim=1)]


def fmt(v):
    return repr(float(v))


with open("fixture.csv", "w") as f:
    f.write(",".join(["label", "label2", "fold"] + [f"x{j}" for j in range(d)] + ["y0", "y1"]) + "\n")
    for i in range(n):
        f.write(",".join([str(label[i]), str(label2[i]), str(folds[i])]
                         + [fmt(v) for v in X[i]] + [fmt(v) for v in Y[i]]) + "\n")
with open("recon.csv", "w") as f:
    f.write(",".join([f"t{j}" for j in range(6)] + [f"p{j}" for j in range(6)]) + "\n")
    for i in range(40):
        f.write(",".join([fmt(v) for v in T[i]] + [fmt(v) for v in Pr[i]]) + "\n")
with open("expected.json", "w") as f:
    json.dump(exp, f, indent=1)
    f.write("\n")
