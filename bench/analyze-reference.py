#!/usr/bin/python3
"""numpy reference for bench/analyze.ts: the per-cycle gain of src/analysis/cycle-fit.ts, vectorised per cycle.

Per cycle (tau = s since the cycle's start, w = 2*pi*f): eye velocity is the least-squares slope over +-k
samples (k = max(1, round(W / 2dt))); the slow-phase velocity p sin + q cos + r is fitted to every k-th value
(lstsq, refitted without values more than the threshold away) and subtracted; the threshold rises to noiseThresholdFactor
robust SDs; fast and NaN samples are dropped with padding, and stretches shorter than minSegmentS; the eye is
fitted by lstsq on sin, cos, tau and one indicator column per kept stretch. Cycles are cut as assembleCycles does.

Usage: analyze-reference.py TRACE.tsv FREQ_HZ AMP_DEG SETTINGS_JSON
Prints JSON: {"loadS", "analysisS", "gains"} (seconds for np.loadtxt and for the analysis; per-cycle gains).
"""
import json
import sys
import time

import numpy as np


def window_sum(a, k):
    n = len(a)
    c = np.concatenate([[0.0], np.cumsum(a)])
    i = np.arange(n)
    return c[np.minimum(i + k, n - 1) + 1] - c[np.maximum(i - k, 0)]


def half_window(tau, window_s):
    return max(1, int(np.floor(window_s / (2 * (tau[-1] - tau[0]) / (len(tau) - 1)) + 0.5)))


def velocity(tau, x, k):
    n = len(tau)
    finite = np.isfinite(x)
    u = tau - tau[0]
    xf = np.where(finite, x, 0.0)
    m = window_sum(np.ones(n), k)
    st, stt = window_sum(u, k), window_sum(u * u, k)
    sx, stx = window_sum(xf, k), window_sum(u * xf, k)
    nan = window_sum((~finite).astype(float), k)
    den = stt - st * st / m
    ok = (nan == 0) & (den > 0)
    return np.where(ok, (stx - st * sx / m) / np.where(ok, den, 1.0), np.nan)


def cycle_gain(tau, x, w, amp, s):
    n = len(tau)
    sn, cs = np.sin(w * tau), np.cos(w * tau)
    k = half_window(tau, s["velocityWindowS"])
    v = velocity(tau, x, k)
    thr = s["saccadeThresholdDegS"]
    vk, sk, ck = v[::k], sn[::k], cs[::k]

    def slow_fit(use):
        a = np.column_stack([sk[use], ck[use], np.ones(use.sum())])
        return np.linalg.lstsq(a, vk[use], rcond=None)[0]

    finite = np.isfinite(vk)
    if finite.sum() >= 5:
        p = slow_fit(finite)
        near = np.abs(vk - (p[0] * sk + p[1] * ck + p[2])) <= thr
        if near.sum() >= 5:
            p = slow_fit(near)
        v = v - (p[0] * sn + p[1] * cs + p[2])
    sub = np.abs(v[:: max(1, -(-n // 512))])
    sub = np.sort(sub[np.isfinite(sub)])
    threshold = max(thr, s["noiseThresholdFactor"] * 1.4826 * sub[len(sub) // 2]) if len(sub) else thr
    bad = ~(np.abs(v) <= threshold)
    last_bad = np.maximum.accumulate(np.where(bad, tau, -np.inf))
    next_bad = np.minimum.accumulate(np.where(bad, tau, np.inf)[::-1])[::-1]
    keep = ~(tau - last_bad <= s["padAfterS"]) & ~(next_bad - tau <= s["padBeforeS"])
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    for a, b in zip(starts, ends):
        if tau[b] - tau[a] < s["minSegmentS"]:
            keep[a : b + 1] = False
    keep &= np.isfinite(x)
    segment = np.cumsum(np.concatenate([[1], np.diff(keep.astype(np.int8)) == 1]))[keep]
    labels = np.unique(segment)
    if keep.sum() < 3 + len(labels) + 2:
        return float("nan")
    design = np.column_stack([sn[keep], cs[keep], tau[keep]] + [(segment == k).astype(float) for k in labels])
    beta = np.linalg.lstsq(design, x[keep], rcond=None)[0]
    return float(np.hypot(beta[0], beta[1]) / amp)


def main():
    path, f, amp, settings = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
    t0 = time.perf_counter()
    data = np.loadtxt(path, delimiter="\t", skiprows=1)
    t1 = time.perf_counter()
    t_ms, x = data[:, 0] * 1000, data[:, 1]
    dts = np.sort(np.diff(t_ms)[:: max(1, (len(t_ms) - 1) // 10_000)])
    end_ms = t_ms[-1] + dts[len(dts) // 2]
    period_ms = 1000 / f
    cycles = int(np.floor(end_ms / 1000 * f + 1e-6))
    w = 2 * np.pi * f
    gains = []
    for k in range(cycles):
        start, end = k * period_ms, k * period_ms + period_ms
        if t_ms[-1] < end - 20:
            break
        lo, hi = np.searchsorted(t_ms, [start, end], side="left")
        gains.append(cycle_gain((t_ms[lo:hi] - start) / 1000, x[lo:hi], w, amp, settings))
    t2 = time.perf_counter()
    print(json.dumps({"loadS": t1 - t0, "analysisS": t2 - t1, "gains": gains}))


main()
