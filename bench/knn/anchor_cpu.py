#!/usr/bin/python3
"""CPU-time twin of ../../../shared/anchors/bench_knn.py for bench/knn.

The machine the benchmarks run on is shared, so wall time mostly measures how
busy it is. This script repeats the anchor's faiss IndexFlatL2 and hnswlib
measurements on ONE thread and reports the process CPU time of each phase
(time.process_time, all threads), which waiting for a busy CPU does not
inflate. One thread also keeps OpenMP spin-waiting out of the figures.

Same data and settings as the anchor: Fashion-MNIST 60k base / 10k queries,
784-d float32 in [0,1], k=10; hnswlib M=16, ef_construction=200,
random_seed=100; recall@10 against faiss IndexFlatL2.
"""
import os
import sys

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "/work/shared/anchors")

import time  # noqa: E402

from common import load_fmnist, np  # noqa: E402
import faiss  # noqa: E402
import hnswlib  # noqa: E402

K = 10
faiss.omp_set_num_threads(1)
xb, _ = load_fmnist("train")
xq, _ = load_fmnist("test")
nq = xq.shape[0]


def timed(f):
    c0, w0 = time.process_time(), time.perf_counter()
    r = f()
    return r, time.process_time() - c0, time.perf_counter() - w0


def flat():
    idx = faiss.IndexFlatL2(xb.shape[1])
    idx.add(xb)
    return idx.search(xq, K)


(_, gt), cpu, wall = timed(flat)
print(f"RESULT knncpu faiss_flat_l2 threads=1 cpu_s={cpu:.3f} wall_s={wall:.3f} qps_per_cpu_s={nq / cpu:.0f}", flush=True)

p = hnswlib.Index(space="l2", dim=xb.shape[1])
p.init_index(max_elements=xb.shape[0], ef_construction=200, M=16, random_seed=100)
p.set_num_threads(1)
_, cpu, wall = timed(lambda: p.add_items(xb, np.arange(xb.shape[0])))
print(f"RESULT knncpu hnswlib build threads=1 cpu_s={cpu:.3f} wall_s={wall:.3f}", flush=True)
for ef in (10, 20, 50, 100):
    p.set_ef(ef)
    (I, _), cpu, wall = timed(lambda: p.knn_query(xq, k=K))
    rec = float(np.mean([len(set(a) & set(b)) / K for a, b in zip(I, gt)]))
    print(f"RESULT knncpu hnswlib ef={ef} threads=1 cpu_s={cpu:.3f} wall_s={wall:.3f} "
          f"qps_per_cpu_s={nq / cpu:.0f} recall10={rec:.4f}", flush=True)
