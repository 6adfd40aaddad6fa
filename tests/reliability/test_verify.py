#!/usr/bin/python3
"""relsim verify (docs/reliability.md, its verify rows): a damaged double in a chunk, a truncated
file, a .partial, a foreign file; a changed byte in every dataset and attribute, and 30 random
changed bytes each reported or without effect on anything h5py reads (issue 21 item 14).

One CTest test per group: test_verify.py GROUP --relsim BIN --inject SO --workdir DIR
(tests/reliability/CMakeLists.txt; shared helpers in reliability_support.py)."""
import hashlib, os, pathlib, random, subprocess, sys, time

import h5py
import numpy as np

from reliability_support import MEDIUM, fit_setup, TB_DEVICE, run_groups


def verify_checksum(c):
    cfg, ref = c.reference(MEDIUM)
    r = c.relsim("verify", ref)
    c.check(r.returncode == 0 and "ok" in r.stdout, "an intact file verifies", r.stdout + r.stderr)
    with h5py.File(ref, "r") as f:
        ds = f["results/eqe"]
        c.check(ds.fletcher32, "/results/eqe carries the Fletcher32 checksum")
        info = ds.id.get_chunk_info(0)
    bad = c.work / "bad.h5"
    data = bytearray(ref.read_bytes())
    data[info.byte_offset + 64: info.byte_offset + 72] = b"\x7f" * 8  # one double in a chunk
    bad.write_bytes(bytes(data))
    r = c.relsim("verify", bad)
    c.check(r.returncode == 1 and "/results/eqe" in r.stdout and "Fletcher32" in r.stdout,
            "one damaged double: verify names the dataset and the checksum", r.stdout)
    try:
        with h5py.File(bad, "r") as f:
            f["results/eqe"][()]
        detected = False
    except OSError:
        detected = True
    c.check(detected, "h5py also refuses to read the damaged chunk")
    cut = c.work / "cut.h5"
    cut.write_bytes(ref.read_bytes()[: ref.stat().st_size // 2])
    r = c.relsim("verify", cut)
    c.check(r.returncode == 1 and "DAMAGED" in r.stdout, "a truncated file: DAMAGED", r.stdout)
    # an incomplete file (a .partial)
    out = c.work / "inc.h5"
    partial = pathlib.Path(str(out) + ".partial")
    p = subprocess.Popen([c.a.relsim, "run", str(cfg), "-o", str(out), "--quiet", "--block-points", "200"],
                         stdout=subprocess.DEVNULL)
    while not partial.exists() and p.poll() is None:
        time.sleep(0.002)
    time.sleep(0.05)
    p.kill()
    p.wait()
    if partial.exists():
        r = c.relsim("verify", partial)
        c.check(r.returncode == 1 and "INCOMPLETE" in r.stdout, "a .partial: INCOMPLETE", r.stdout)
    foreign = c.work / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    r = c.relsim("verify", foreign)
    c.check(r.returncode == 1 and "NOT A RELSIM FILE" in r.stdout, "a foreign HDF5 file is named as such", r.stdout)
    r = c.relsim("verify", c.work / "missing.h5")
    c.check(r.returncode == 2, "a missing file: exit 2")


def h5_snapshot(path):
    """A digest of everything h5py reads from a file (every dataset's values and every
    attribute), or None when h5py cannot read it all. Read in a forked child: the HDF5 library
    itself can abort on a damaged file ("free(): invalid pointer")."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        snap = _h5_snapshot(path)
        os.write(wr, b"none" if snap is None else hashlib.sha256(repr(sorted(snap.items())).encode()).hexdigest().encode())
        os._exit(0)
    os.close(wr)
    with os.fdopen(rd, "rb") as r:
        got = r.read().decode()
    os.waitpid(pid, 0)
    return None if got in ("", "none") else got


def _h5_snapshot(path):
    out = {}
    try:
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                for k, v in obj.attrs.items():
                    out[name + "@" + k] = repr(v)
                if isinstance(obj, h5py.Dataset):
                    v = obj[()]
                    if obj.dtype.kind == "O" or not hasattr(v, "tobytes"):  # strings: values, not pointers
                        v = repr(v.tolist() if hasattr(v, "tolist") else v)
                    else:
                        v = v.tobytes()
                    out[name] = (str(obj.dtype), obj.shape, v)
            for k, v in f.attrs.items():
                out["/@" + k] = repr(v)
            f.visititems(visit)
    except Exception:  # noqa: BLE001 -- any read failure counts as "damaged"
        return None
    return out


def verify_tamper(c):
    """relsim verify reports a changed byte in every dataset and attribute (issue 21 item 14)."""
    cfg, ref = c.reference(TB_DEVICE + """
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e3
points = 25
""")
    fit = fit_setup(c)
    fit_out = c.work / "fit.h5"
    r = c.relsim("fit", fit, "-o", fit_out, "-q", "-t", "2")
    assert r.returncode == 0, r.stderr
    for f in (ref, fit_out):
        r = c.relsim("verify", f)
        c.check(r.returncode == 0 and "attributes as written" in r.stdout, f"{f.name} verifies", r.stdout)

    def tampered(src, name, offset, new_bytes=None):
        data = bytearray(src.read_bytes())
        if new_bytes is None:
            data[offset] ^= 0x10
        else:
            data[offset:offset + len(new_bytes)] = new_bytes
        p = c.work / name
        p.write_bytes(bytes(data))
        return p

    with h5py.File(ref, "r") as f:
        axes = f["axes/0"].id.get_offset()
        resolved = f["config/resolved/value"].id.get_offset()
        j1 = f["axes/0"][1]
    raw = ref.read_bytes()
    text_at = raw.find(b"recombination_zone_nm = 20")
    fp_at = raw.find(h5py.File(ref, "r").attrs["config_fingerprint"].encode())
    key_at = raw.find(b"device.recombination_zone_nm")
    cases = [("/axes/0 (J %.4g -> changed)" % j1, tampered(ref, "t_axes.h5", axes + 8 + 5), "/axes/0"),
             ("/config/resolved/value", tampered(ref, "t_res.h5", resolved + 8 * 3 + 6), "/config/resolved/value"),
             ("config_toml: recombination_zone_nm 20 -> 90",
              tampered(ref, "t_text.h5", text_at + len("recombination_zone_nm = "), b"9"), "/@config_toml"),
             ("config_fingerprint", tampered(ref, "t_fp.h5", fp_at + 3, b"x"), "/@config_fingerprint")]
    if key_at > 0:
        cases.append(("a string of /config/resolved/key", tampered(ref, "t_key.h5", key_at + 3, b"X"), "/config/resolved/key"))
    with h5py.File(fit_out, "r") as f:
        values = f["fit/values"].id.get_offset()
    cases.append(("/fit/values of a fit file", tampered(fit_out, "t_fit.h5", values + 4), "/fit/values"))
    for what, p, name in cases:
        r = c.relsim("verify", p)
        # named as changed, or (where HDF5 checksums the metadata holding it) unreadable
        c.check(r.returncode == 1 and ((name in r.stdout and "CHANGED" in r.stdout) or "DAMAGED" in r.stdout),
                f"a changed byte in {what}: verify exit 1 naming {name} (or DAMAGED)", r.stdout + r.stderr)
    # Any byte: either verify reports a problem, or every dataset and attribute reads as before.
    rng = random.Random(21)
    for src in (ref, fit_out):
        original = h5_snapshot(src)
        size = src.stat().st_size
        silent = reported = harmless = 0
        for i in range(30):
            off = rng.randrange(size)
            p = tampered(src, "rand.h5", off)
            r = c.relsim("verify", p)
            c.check(r.returncode in (0, 1), f"{src.name}: byte {off}: verify exits 0 or 1 (not {r.returncode})",
                    r.stdout + r.stderr)
            snap = h5_snapshot(p)
            if r.returncode == 0 and snap != original:
                silent += 1
                c.check(False, f"{src.name}: byte {off} changed what h5py reads, verify said ok", r.stdout)
            elif r.returncode == 0:
                harmless += 1
            else:
                reported += 1
        c.check(silent == 0, f"{src.name}: 30 random changed bytes: {reported} reported, {harmless} without "
                             f"effect on any value or attribute, 0 silent")


GROUPS = {f.__name__: f for f in (verify_checksum, verify_tamper)}

if __name__ == "__main__":
    sys.exit(run_groups(GROUPS))
