"""Times the PyTorch reference on the benchmark workload: prints 'torch_s_per_epoch=<x> threads=<t>'.

Same model, loss (amber2), optimiser (AdamW, cosine warm-up, clip 3.0) and data sizes as the C# side.
Usage: bench_torch.py --threads T [--n 5531 --da 1024 --dt 768 --hidden 256 --classes 4 --batch 32 --epochs 10]
"""
import argparse
import time

import numpy as np
import torch

from amber_torch import AmberNet, cosine_rate, loss_terms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n", type=int, default=5531)
    ap.add_argument("--da", type=int, default=1024)
    ap.add_argument("--dt", type=int, default=768)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--classes", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--give-up-above", type=float, default=0.0,
                    help="stop after 2 epochs when their mean s/epoch exceeds this (that thread count cannot win)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    a = torch.from_numpy(rng.standard_normal((args.n, args.da), dtype=np.float32))
    t = torch.from_numpy(rng.standard_normal((args.n, args.dt), dtype=np.float32))
    y = torch.from_numpy(rng.dirichlet(np.ones(args.classes), size=args.n).astype(np.float32))
    hard = y.argmax(1)
    net = AmberNet(args.da, args.dt, args.hidden, args.classes, "amber2", dropout=0.2)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    steps_per_epoch = (args.n + args.batch - 1) // args.batch
    total = steps_per_epoch * args.epochs
    warmup = int(np.ceil(0.05 * total))
    step = 0
    times = []
    net.train()
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(args.n)
        for s in range(0, args.n, args.batch):
            idx = order[s:s + args.batch]
            zf, za, zt = net(a[idx], t[idx])
            loss = loss_terms("amber2", zf, za, zt, y[idx], hard[idx])["total"].sum() / len(idx)
            opt.zero_grad(set_to_none=False)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 3.0)
            for group in opt.param_groups:
                group["lr"] = cosine_rate(1e-3, warmup, total, step)
            opt.step()
            step += 1
        times.append(time.perf_counter() - start)
        if args.give_up_above > 0 and len(times) == 2 and np.mean(times) > args.give_up_above:
            break
    print(f"torch_s_per_epoch={np.mean(times):.4f} threads={args.threads} epochs={len(times)}")


if __name__ == "__main__":
    main()
