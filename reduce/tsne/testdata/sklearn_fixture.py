#!/usr/bin/python3
"""Reference figures for the t-SNE quality test on the committed fixture.

Runs scikit-learn's TSNE on testdata/fashion-mnist (the first 2,000 Fashion-MNIST
test images, scaled to [0,1]) after PCA to 50 dimensions, as
../shared/anchors/bench_tsne.py does for its 10,000 images, and prints
trustworthiness(10) against the 784-d images and the 10-NN accuracy under
5-fold stratified shuffled cross-validation (random_state=0) in the embedding.

Run from the repository root:
    OMP_NUM_THREADS=2 /usr/bin/python3 reduce/tsne/testdata/sklearn_fixture.py
"""
import gzip
import sys

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


X = read_idx("testdata/fashion-mnist/t10k-images-idx3-ubyte.gz")
y = read_idx("testdata/fashion-mnist/t10k-labels-idx1-ubyte.gz").astype(np.int64)
X = X.reshape(X.shape[0], -1).astype(np.float32) / np.float32(255)
print("sklearn", sklearn.__version__, "numpy", np.__version__, "X", X.shape)
X50 = PCA(n_components=50, svd_solver="randomized", random_state=0).fit_transform(X)
for seed in [int(s) for s in (sys.argv[1:] or ["0", "1", "2"])]:
    tsne = TSNE(n_components=2, perplexity=30.0, init="pca", random_state=seed, n_jobs=2)
    Y = tsne.fit_transform(X50)
    tw = trustworthiness(X, Y, n_neighbors=10)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    acc = cross_val_score(KNeighborsClassifier(n_neighbors=10), Y, y, cv=cv).mean()
    print(f"RESULT fixture seed={seed} kl={tsne.kl_divergence_:.4f} "
          f"trustworthiness10={tw:.4f} knn10_acc_5fold={acc:.4f} "
          f"range={Y.min():.1f},{Y.max():.1f}")
    sys.stdout.flush()
