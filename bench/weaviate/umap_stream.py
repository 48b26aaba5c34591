#!/usr/bin/python3
"""umap-learn on the data of bench/weaviate's out-of-core measurement.

Fits UMAP(n_neighbors=15, min_dist=0.1) on the rows the Go side sampled
(indices in a .npy file) of the memory-mapped input, then times transform()
of its first N rows, after a warm-up fit and transform on small slices so
that numba's compilation is not timed. Prints RESULT lines for
bench/internal/anchor. umap-learn has no streaming transform; the rows are
transformed in one call, so its memory grows with N.

Usage (from ../shared/anchors, so that common.py is importable):
    /usr/bin/python3 /path/to/umap_stream.py DATA.npy SAMPLE_IDX.npy N
"""
import os
import resource
import sys

sys.path.insert(0, os.getcwd())  # the anchors folder, for common.py
import common  # noqa: F401,E402  (pins the thread counts first)
from common import Timer, np  # noqa: E402
import warnings  # noqa: E402

import umap

warnings.filterwarnings("ignore", category=UserWarning)

data = np.load(sys.argv[1], mmap_mode="r")
idx = np.load(sys.argv[2])
n = int(sys.argv[3])
print("umap", umap.__version__, "data", data.shape, "sample", idx.shape, "transform", n)

xs = np.ascontiguousarray(data[idx])
w = umap.UMAP(n_neighbors=15, min_dist=0.1).fit(xs[:3000])
w.transform(np.ascontiguousarray(data[:2000]))

reducer = umap.UMAP(n_neighbors=15, min_dist=0.1)
with Timer() as t:
    reducer.fit(xs)
print(f"RESULT umap_stream fit rows={len(xs)} time_s={t.s:.2f}")
xt = np.ascontiguousarray(data[:n])
with Timer() as t:
    reducer.transform(xt)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"RESULT umap_stream transform rows={n} time_s={t.s:.2f} rows_per_s={n / t.s:.0f} max_rss_mb={rss:.0f}")
