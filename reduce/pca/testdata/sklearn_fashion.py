#!/usr/bin/python3
"""Reference figures for reduce/pca's fixture test (TestFashionFixture).

Fits scikit-learn PCA to the committed fixture testdata/fashion-mnist/
(the first 2,000 Fashion-MNIST test images, uint8 scaled to float32 in
[0,1]) with 50 components, PCA with solvers 'full' and 'randomized'
(random_state=0) and IncrementalPCA with batches of 500 rows, and prints the
explained variance ratios of the first 10 components, their sum over 50, and
the noise variance.

Run from the repository root:

    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 reduce/pca/testdata/sklearn_fashion.py
"""
import gzip
import sys

import numpy as np
import sklearn
from sklearn.decomposition import PCA, IncrementalPCA

path = sys.argv[1] if len(sys.argv) > 1 else "testdata/fashion-mnist/t10k-images-idx3-ubyte.gz"
with gzip.open(path, "rb") as f:
    raw = f.read()
n, h, w = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, h * w)
x = x.astype(np.float32) / np.float32(255.0)
print("sklearn", sklearn.__version__, "numpy", np.__version__, "X", x.shape, x.dtype)
for solver in ("full", "randomized", "incremental"):
    if solver == "incremental":
        p = IncrementalPCA(n_components=50, batch_size=500).fit(x)
    else:
        p = PCA(n_components=50, svd_solver=solver, random_state=0).fit(x)
    r = p.explained_variance_ratio_.astype(np.float64)
    print(f"{solver}: evr10 = {np.array2string(r[:10], separator=', ', precision=9, floatmode='fixed')}")
    print(f"{solver}: evr_sum50 = {r.sum():.9f} noise_variance = {float(p.noise_variance_):.9g}")
