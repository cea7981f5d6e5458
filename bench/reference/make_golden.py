"""Writes tests/Training.Tests/Golden/amber-golden.bin: the PyTorch reference's inputs, initial parameters, logits,
loss terms and every gradient for each method/option case, plus 10 AdamW and 10 SGD steps of the default case.

Run with Debian's interpreter: /usr/bin/python3 bench/reference/make_golden.py
"""
import os

import numpy as np
import torch

import golden_io
from amber_torch import AmberNet, cosine_rate, loss_terms

B, DA, DT, H, C = 6, 12, 10, 8, 4
# (method, divergence, conflict gate, detach guidance)
CASES = [
    ("amber2", "kl", True, True), ("amber2", "js", True, True), ("amber2", "soft_ce", True, True),
    ("amber2", "kl", False, True), ("amber2", "kl", True, False), ("amber2", "js", True, False),
    ("amber2_uniform", "kl", True, True), ("amber2_uniform", "kl", True, False),
    ("ce", "kl", True, True), ("soft", "kl", True, True), ("soft", "js", True, True), ("soft", "soft_ce", True, True),
    ("js_entropy", "kl", True, True), ("late_fusion", "kl", True, True), ("late_fusion", "js", True, True),
]
TERMS = ["total", "student", "experts", "guidance", "w_a", "gate"]


def case_name(method, div, gate, detach):
    return f"{method}|{div}|{int(gate)}|{int(detach)}"


def main():
    torch.manual_seed(7)
    rng = np.random.default_rng(7)
    a = torch.from_numpy(rng.standard_normal((B, DA)).astype(np.float32))
    t = torch.from_numpy(rng.standard_normal((B, DT)).astype(np.float32))
    votes = np.array([[3, 0, 0, 0], [1, 1, 1, 1], [2, 1, 0, 0], [0, 1, 2, 1], [1, 0, 0, 2], [0, 0, 1, 4]], dtype=np.float64)
    y = torch.from_numpy((votes / votes.sum(1, keepdims=True)).astype(np.float32))
    hard = torch.from_numpy(np.argmax(votes, 1)).long()
    tensors = [("input.speech", a.numpy()), ("input.text", t.numpy()), ("input.soft", y.numpy()),
               ("input.hard", hard.numpy().astype(np.float32))]

    for method, div, gate, detach in CASES:
        name = case_name(method, div, gate, detach)
        torch.manual_seed(11)
        net = AmberNet(DA, DT, H, C, method, dropout=0.0)
        # Spread the heads so the distributions (and the guidance terms) are far from uniform.
        with torch.no_grad():
            for pname, p in net.named_tensors():
                if pname.endswith("head.weight"):
                    p.mul_(6.0)
        for pname, p in net.named_tensors():
            tensors.append((f"{name}/param/{pname}", p.detach().numpy().copy()))
        zf, za, zt = net(a, t)
        terms = loss_terms(method, zf, za, zt, y, hard, div=div, gate_on=gate, detach=detach)
        loss = terms["total"].sum() / B
        loss.backward()
        for key, z in (("fusion", zf), ("speech", za), ("text", zt)):
            if z is not None:
                tensors.append((f"{name}/logits.{key}", z.detach().numpy()))
        tensors.append((f"{name}/terms", np.array([terms[k].detach().sum().item() / B for k in TERMS])))
        for pname, p in net.named_tensors():
            tensors.append((f"{name}/grad/{pname}", p.grad.numpy().copy()))

    # Optimiser trajectories of the default case: same batch every step, cosine warm-up schedule, clip 0.5.
    for opt_name in ("adamw", "sgd"):
        torch.manual_seed(11)
        net = AmberNet(DA, DT, H, C, "amber2", dropout=0.0)
        with torch.no_grad():
            for pname, p in net.named_tensors():
                if pname.endswith("head.weight"):
                    p.mul_(6.0)
        params = [p for _, p in net.named_tensors()]
        if opt_name == "adamw":
            opt = torch.optim.AdamW(params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
        else:
            opt = torch.optim.SGD(params, lr=1e-1, momentum=0.9, weight_decay=0.01)
        base = opt.param_groups[0]["lr"]
        norms = []
        for step in range(10):
            opt.zero_grad()
            zf, za, zt = net(a, t)
            loss = loss_terms("amber2", zf, za, zt, y, hard)["total"].sum() / B
            loss.backward()
            norms.append(torch.nn.utils.clip_grad_norm_(params, 0.5).item())
            for group in opt.param_groups:
                group["lr"] = cosine_rate(base, 2, 10, step)
            opt.step()
        tensors.append((f"{opt_name}/grad_norms", np.array(norms)))
        for pname, p in net.named_tensors():
            tensors.append((f"{opt_name}/param/{pname}", p.detach().numpy().copy()))

    out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "Training.Tests", "Golden", "amber-golden.bin")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    golden_io.write(out, tensors)
    print(f"wrote {len(tensors)} tensors to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
