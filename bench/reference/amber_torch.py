"""PyTorch reference of the AmbER² network and losses (SPEC-AMBER.md), mirroring src/Training.

It is the independent implementation the C# engine is checked against (golden file) and timed against (benchmark):
autograd computes every gradient here, the C# side has hand-written backward passes.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-10
METHODS = ["amber2", "amber2_uniform", "ce", "soft", "js_entropy", "late_fusion"]


def uses_experts(method):
    return method in ("amber2", "amber2_uniform", "late_fusion")


def uses_fusion(method):
    return method != "late_fusion"


class Projection(nn.Module):
    def __init__(self, inputs, hidden, dropout):
        super().__init__()
        self.proj = nn.Linear(inputs, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.act = nn.GELU(approximate="tanh")
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.act(self.norm(self.proj(x))))


class AmberNet(nn.Module):
    """Parameter names match the C# layout: speech.proj.weight, ..., fusion.head.bias."""

    def __init__(self, da, dt, hidden, classes, method, dropout=0.0):
        super().__init__()
        self.method = method
        self.speech = nn.Module()
        self.text = nn.Module()
        self.speech.branch = Projection(da, hidden, dropout)
        self.text.branch = Projection(dt, hidden, dropout)
        if uses_experts(method):
            self.speech.head = nn.Linear(hidden, classes)
            self.text.head = nn.Linear(hidden, classes)
        if uses_fusion(method):
            self.fusion = nn.Module()
            self.fusion.branch = Projection(2 * hidden, hidden, dropout)
            self.fusion.head = nn.Linear(hidden, classes)

    def named_tensors(self):
        """(C# name, tensor) in the C# buffer order."""
        out = []
        for side in ("speech", "text"):
            b = getattr(self, side).branch
            out += [(f"{side}.proj.weight", b.proj.weight), (f"{side}.proj.bias", b.proj.bias),
                    (f"{side}.norm.weight", b.norm.weight), (f"{side}.norm.bias", b.norm.bias)]
        if uses_experts(self.method):
            out += [("speech.head.weight", self.speech.head.weight), ("speech.head.bias", self.speech.head.bias),
                    ("text.head.weight", self.text.head.weight), ("text.head.bias", self.text.head.bias)]
        if uses_fusion(self.method):
            b = self.fusion.branch
            out += [("fusion.proj.weight", b.proj.weight), ("fusion.proj.bias", b.proj.bias),
                    ("fusion.norm.weight", b.norm.weight), ("fusion.norm.bias", b.norm.bias),
                    ("fusion.head.weight", self.fusion.head.weight), ("fusion.head.bias", self.fusion.head.bias)]
        return out

    def forward(self, a, t):
        h_a = self.speech.branch(a)
        h_t = self.text.branch(t)
        za = self.speech.head(h_a) if uses_experts(self.method) else None
        zt = self.text.head(h_t) if uses_experts(self.method) else None
        zf = None
        if uses_fusion(self.method):
            zf = self.fusion.head(self.fusion.branch(torch.cat([h_a, h_t], dim=1)))
        return zf, za, zt


def js(p, q):
    """Per-row Jensen–Shannon divergence, natural log, ε inside the logs."""
    m = 0.5 * (p + q)
    lm = torch.log(m + EPS)
    return 0.5 * (p * (torch.log(p + EPS) - lm)).sum(1) + 0.5 * (q * (torch.log(q + EPS) - lm)).sum(1)


def divergence(kind, z, y):
    logp = F.log_softmax(z, dim=1)
    if kind == "kl":
        return (y * (torch.log(y + EPS) - logp)).sum(1)
    if kind == "soft_ce":
        return -(y * logp).sum(1)
    if kind == "js":
        return js(logp.exp(), y)
    raise ValueError(kind)


def loss_terms(method, zf, za, zt, y, hard, div="kl", lam=1.0, beta=0.5, tau=0.1, gate_on=True, detach=True, ent_w=0.08):
    """Per-row loss terms; returns a dict of [B] tensors (total, student, experts, guidance, w_a, gate)."""
    zero = torch.zeros(y.shape[0], dtype=y.dtype)
    out = {"student": zero, "experts": zero, "guidance": zero, "w_a": zero, "gate": zero}
    if method == "ce":
        out["student"] = F.cross_entropy(zf, hard, reduction="none")
        out["total"] = out["student"]
        return out
    if method == "soft":
        out["student"] = divergence(div, zf, y)
        out["total"] = out["student"]
        return out
    if method == "js_entropy":
        logp = F.log_softmax(zf, dim=1)
        p = logp.exp()
        out["student"] = js(p, y) + ent_w * (-(p * logp).sum(1))
        out["total"] = out["student"]
        return out
    if method == "late_fusion":
        out["experts"] = divergence(div, za, y) + divergence(div, zt, y)
        out["total"] = out["experts"]
        return out
    # amber2 / amber2_uniform
    student = divergence(div, zf, y)
    experts = divergence(div, za, y) + divergence(div, zt, y)
    pa, pt = F.softmax(za, dim=1), F.softmax(zt, dim=1)
    pa_w, pt_w = (pa.detach(), pt.detach()) if detach else (pa, pt)
    if method == "amber2":
        ra = torch.exp(-js(pa_w, y) / tau)
        rt = torch.exp(-js(pt_w, y) / tau)
        wa, wt = ra / (ra + rt), rt / (ra + rt)
    else:
        wa = torch.full_like(student, 0.5)
        wt = torch.full_like(student, 0.5)
    logpf = F.log_softmax(zf, dim=1)
    sa, st = pa.detach(), pt.detach()
    kla = (sa * (torch.log(sa + EPS) - logpf)).sum(1)
    klt = (st * (torch.log(st + EPS) - logpf)).sum(1)
    gate = 1.0 - js(pa_w, pt_w) / math.log(2.0) if gate_on else torch.ones_like(student)
    guidance = gate * (wa * kla + wt * klt)
    out.update(student=student, experts=experts, guidance=guidance, w_a=wa, gate=gate)
    out["total"] = student + lam * experts + beta * guidance
    return out


def cosine_rate(base, warmup, total, step):
    if step < warmup:
        return base * (step + 1) / warmup
    span = max(1, total - warmup)
    progress = min(1.0, (step - warmup) / span)
    return base * 0.5 * (1.0 + math.cos(math.pi * progress))
