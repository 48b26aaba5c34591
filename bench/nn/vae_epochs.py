#!/usr/bin/python3
"""The anchor's PyTorch MLP VAE (../shared/anchors/bench_vae.py), trained for a
few epochs only, for bench/nn's side-by-side run.

Run from the anchors folder (bench/nn does): it reuses bench_vae's network,
loss and evaluation unchanged and repeats its training loop, but stops after
EPOCHS epochs (argv[1], default 3) and saves nothing, so the anchor's
results/ folder is left alone.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
import common  # noqa: F401,E402  (pins the thread counts first)
import torch  # noqa: E402
from bench_vae import BATCH, LR, Net, evaluate, loss_terms  # noqa: E402
from common import load_fmnist  # noqa: E402

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    xtr = torch.from_numpy(load_fmnist("train")[0])
    xte = torch.from_numpy(load_fmnist("test")[0])
    torch.manual_seed(0)
    model = Net(vae=True)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(0)
    n = xtr.shape[0]
    times = []
    for ep in range(1, epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        tot = 0.0
        for i in range(0, n, BATCH):
            x = xtr[perm[i:i + BATCH]]
            recon, mu, logvar = model(x)
            bce, kl = loss_terms(recon, x, mu, logvar)
            loss = bce + kl
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item()
        dt = time.perf_counter() - t0
        times.append(dt)
        m = evaluate(model, xte)
        print(f"RESULT vae_torch epoch={ep} epoch_time_s={dt:.3f} train_loss_per_img={tot / n:.3f} "
              f"test_neg_elbo={m['neg_elbo']:.3f} test_mse_per_pixel={m['mse']:.6f}")
        sys.stdout.flush()
    print(f"RESULT vae_torch median_epoch_time_s={statistics.median(times):.3f} "
          f"torch={torch.__version__} threads={torch.get_num_threads()}")


if __name__ == "__main__":
    main()
