#!/usr/bin/python3
"""Reads an NWB file exported by `hokr export --nwb` back with h5py and compares it with the session folder
it came from, parsed here independently of hokr (numpy on the TSV/JSONL files):

  every eye sample and timestamp, every stimulus sample, every light edge (power in W), every block of
  gain.tsv, the cycles against their blocks (counts, good cycles, mean gain), the epochs, the protocol's
  sha256, the subject, the devices' HELLO identity, the session start, online/offline learning (definition
  recomputed here) and, for an incomplete session, the warning in the file (its cycles are compared only
  with the blocks its eye data cover).

Usage: /usr/bin/python3 read_back.py FILE.nwb SESSION_DIR [FILE.nwb SESSION_DIR ...]
Exit 0 when every file matches its folder; 1 with every difference printed.
"""
import hashlib
import io
import json
import os
import sys

import h5py
import numpy as np


def whole_lines(path):
    """The file's text up to its last newline (a killed session leaves a partial last line)."""
    with open(path, encoding="latin-1") as f:
        text = f.read()
    return text[: text.rfind("\n") + 1]


def tsv(path, columns):
    text = whole_lines(path)
    header = text.split("\n", 1)[0].split("\t")
    idx = [header.index(c) for c in columns]
    body = text.split("\n", 1)[1] if "\n" in text else ""
    if body.strip() == "":
        return [np.zeros(0) for _ in columns]
    data = np.loadtxt(io.StringIO(body), delimiter="\t", usecols=idx, ndmin=2, dtype=np.float64)
    return [data[:, i] for i in range(len(columns))]


def gain_rows(path):
    text = whole_lines(path)
    lines = [l for l in text.split("\n") if l.strip() != ""]
    header = lines[0].split("\t")
    return [dict(zip(header, l.split("\t"))) for l in lines[1:]]


def text_value(ds):
    v = ds[()]
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [x.decode() if isinstance(x, bytes) else x for x in v.tolist()]
    return v


def check(nwb_path, folder):
    problems = []

    def expect(cond, msg):
        if not cond:
            problems.append(msg)

    def same(a, b, what):
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            problems.append("%s: %d values in the file, %d in the folder" % (what, a.size, b.size))
        elif not np.array_equal(a, b, equal_nan=True):
            bad = np.flatnonzero(~((a == b) | (np.isnan(a) & np.isnan(b))))
            problems.append("%s: %d values differ, first at %d (%r vs %r)" % (what, bad.size, bad[0], a[bad[0]], b[bad[0]]))

    with open(os.path.join(folder, "session.json")) as f:
        meta = json.load(f)
    with h5py.File(nwb_path, "r") as nwb:
        # NWBFile
        expect(text_value(nwb["session_start_time"]) == meta["startedAt"], "session_start_time is not startedAt")
        expect(text_value(nwb["timestamps_reference_time"]) == meta["startedAt"], "timestamps_reference_time")
        protocol = text_value(nwb["general/protocol"])
        expect(hashlib.sha256(protocol.encode()).hexdigest() == meta["protocolHash"],
               "sha256 of general/protocol is not the session's protocolHash")
        expect(json.loads(protocol) == meta["protocol"], "general/protocol is not the protocol as run")
        expect(text_value(nwb["general/subject/subject_id"]) == meta["subject"]["id"], "subject_id")
        expect(text_value(nwb["general/subject/species"]) == "Mus musculus", "species")

        # devices: the identity each reported at HELLO
        for device, report in (meta.get("devices") or {}).items():
            if "identity" in report:
                description = nwb["general/devices/" + device].attrs["description"]
                expect("identity at HELLO: " + " ".join(report["identity"]) in description,
                       "device %s: HELLO identity not in its description" % device)

        # eye and stimulus, every sample
        t_us, x = tsv(os.path.join(folder, "eye.tsv"), ["t_us", "x_deg"])
        eye = nwb["processing/behavior/EyeTracking/horizontal_eye_position"]
        same(eye["timestamps"][:], t_us / 1e6, "eye timestamps")
        same(eye["data"][:], x, "eye positions")
        expect(eye["data"].attrs["unit"] == "degrees", "eye unit")
        expect(eye["data"].compression == "gzip" and eye["data"].chunks is not None, "eye data not chunked+compressed")
        s_us, pos = tsv(os.path.join(folder, "stimulus.tsv"), ["t_us", "position_deg"])
        stim = nwb["stimulus/presentation/stimulus_position"]
        same(stim["timestamps"][:], s_us / 1e6, "stimulus timestamps")
        same(stim["data"][:], pos, "stimulus positions")

        # light edges, every one, per channel, with its site
        edges = {}
        for line in whole_lines(os.path.join(folder, "events.jsonl")).splitlines():
            if not line:
                continue
            e = json.loads(line)
            if e["type"] == "light-edge":
                edges.setdefault(e["channel"], []).append((e["t_s"], e["powerMw"] / 1000 if e["on"] else 0.0))
        series = [k for k in nwb["stimulus/presentation"] if k.startswith("light_")]
        expect(sorted(series) == sorted("light_" + c for c in edges), "light series %s vs channels with edges %s"
               % (sorted(series), sorted(edges)))
        wavelengths = {c["name"]: c["wavelengthNm"] for c in meta["rig"]["light"]}
        for channel, rows in edges.items():
            g = nwb.get("stimulus/presentation/light_" + channel)
            if g is None:
                continue
            same(g["timestamps"][:], [r[0] for r in rows], "light %s edge times" % channel)
            same(g["data"][:], [r[1] for r in rows], "light %s power (W)" % channel)
            expect(g["data"].attrs["unit"] == "watts", "light %s unit" % channel)
            link = g.get("site", getlink=True)
            target = "/general/optogenetics/" + channel
            expect(isinstance(link, h5py.SoftLink) and link.path == target, "light %s site does not link to %s" % (channel, target))
            expect(float(g["site/excitation_lambda"][()]) == wavelengths[channel], "light %s wavelength" % channel)

        # blocks: every row of gain.tsv
        blocks = gain_rows(os.path.join(folder, "gain.tsv"))
        tb = nwb["intervals/blocks"]
        expect(len(tb["id"]) == len(blocks), "blocks: %d rows in the file, %d in gain.tsv" % (len(tb["id"]), len(blocks)))
        if len(tb["id"]) == len(blocks):
            for col in ["block", "t_s", "gain", "phase_lag_deg", "r2", "cycles_used", "cycles_total"]:
                same(tb[col][:], [float(b[col]) for b in blocks], "blocks." + col)
            t0 = meta["timeline"]["trainingStartS"]
            same(tb["start_time"][:], [t0 + float(b["t_start_s"]) for b in blocks], "blocks.start_time")
            same(tb["stop_time"][:], [t0 + float(b["t_end_s"]) for b in blocks], "blocks.stop_time")
            expect(text_value(tb["phase"]) == [b["phase"] for b in blocks], "blocks.phase")
            expect(text_value(tb["quality"]) == [b["quality"] for b in blocks], "blocks.quality")

        # cycles: each block's cycles are in the table, its good ones give its gain
        tc = nwb["intervals/cycles"]
        c_start, c_stop = tc["start_time"][:], tc["stop_time"][:]
        c_gain, c_good = tc["gain"][:], tc["good"][:]
        c_phase = text_value(tc["phase"]) if len(tc["id"]) else []
        expect(np.all(np.diff(c_start) > 0), "cycles not in time order")
        t0 = meta["timeline"]["trainingStartS"]
        last_eye = t_us[-1] / 1e6 if t_us.size else float("-inf")
        for b in blocks:
            lo, hi = t0 + float(b["t_start_s"]), t0 + float(b["t_end_s"])
            if meta["status"] != "complete" and hi > last_eye:
                continue  # an incomplete session's eye data may stop before its last blocks (the file warns)
            inside = [i for i in range(len(c_start))
                      if c_start[i] >= lo - 1e-6 and c_stop[i] <= hi + 1e-6 and c_phase[i] == b["phase"]]
            good = [i for i in inside if c_good[i] == 1]
            expect(len(inside) == int(b["cycles_total"]),
                   "block %s: %d cycles in the table, %s in gain.tsv" % (b["block"], len(inside), b["cycles_total"]))
            expect(len(good) == int(b["cycles_used"]),
                   "block %s: %d good cycles, %s used in gain.tsv" % (b["block"], len(good), b["cycles_used"]))
            g = float(np.mean(c_gain[good])) if good else float("nan")
            expect((np.isnan(g) and np.isnan(float(b["gain"]))) or abs(g - float(b["gain"])) <= 1e-6,
                   "block %s: mean gain of its good cycles %r, gain.tsv %s" % (b["block"], g, b["gain"]))

        # epochs: the protocol's phases
        te = nwb["intervals/epochs"]
        phases = meta["timeline"]["phases"]
        same(te["start_time"][:], [p["startS"] for p in phases], "epochs.start_time")
        same(te["stop_time"][:], [p["endS"] for p in phases], "epochs.stop_time")
        expect(text_value(te["tags"]) == [p["name"] for p in phases], "epochs.tags")

        # learning (Kanaya et al. 2023 definitions, recomputed here from gain.tsv)
        finite = [b for b in blocks if np.isfinite(float(b["gain"]))]
        training = [b for b in finite if b["phase"] == "training"]
        online = float(training[-1]["gain"]) - float(training[0]["gain"]) if len(training) > 1 else float("nan")
        after = [b for b in finite if b["phase"] != "training" and training
                 and float(b["t_start_s"]) >= float(training[-1]["t_end_s"])]
        test = next((b for b in after if b["phase"] == "test"), after[0] if after else None)
        offline = float(test["gain"]) - float(training[-1]["gain"]) if test and training else float("nan")
        same(nwb["scratch/online_learning"][()], online, "online learning")
        same(nwb["scratch/offline_learning"][()], offline, "offline learning")
        expect("online learning =" in nwb["scratch/online_learning"].attrs["notes"], "online learning definition")
        expect("offline learning =" in nwb["scratch/offline_learning"].attrs["notes"], "offline learning definition")

        # an incomplete session says so in the file
        if meta["status"] != "complete":
            w = nwb.get("scratch/export_warnings")
            expect(w is not None and meta["status"] in " ".join(text_value(w)),
                   "status %s but no warning in scratch/export_warnings" % meta["status"])
            expect("WARNING" in text_value(nwb["general/notes"]), "no WARNING in general/notes")
        n = (t_us.size, s_us.size, sum(len(v) for v in edges.values()), len(c_start), len(blocks))
    return problems, n


def main(argv):
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__)
        return 2
    bad = 0
    for nwb_path, folder in zip(argv[0::2], argv[1::2]):
        try:
            problems, n = check(nwb_path, folder)
        except Exception as e:  # a missing dataset or group is a difference too
            problems, n = ["%s: %s" % (type(e).__name__, e)], None
        if problems:
            bad += 1
            print("%s: DIFFERS from %s" % (nwb_path, folder))
            for p in problems:
                print("  - " + p)
        else:
            print("%s: equals %s (%d eye samples, %d stimulus samples, %d light edges, %d cycles, %d blocks)"
                  % ((nwb_path, folder) + n))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
