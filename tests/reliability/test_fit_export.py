#!/usr/bin/python3
"""relsim fit and relsim export guards (issue 21 items 9, 11, 15): the fit's -o has the
protections of relsim run, a fit the model cannot evaluate says where, and export checks every
table before writing any, never writes through a link and refuses an unfinished .partial unless
asked.

One CTest test per group: test_fit_export.py GROUP --relsim BIN --inject SO --workdir DIR
(tests/reliability/CMakeLists.txt; shared helpers in reliability_support.py)."""
import fcntl, os, pathlib, shutil, subprocess, sys, time

import h5py

from reliability_support import SOURCE, MEDIUM, LONG, sha, leftovers, fit_setup, assert_same_datasets, run_groups


def fit_output(c):
    """relsim fit -o has the output protections of relsim run (issue 21 item 9)."""
    fit = fit_setup(c, ion_file=True)
    out = c.work / "fit.h5"
    r = c.relsim("fit", fit, "-o", out, "-q", "-t", "2")
    c.check(r.returncode == 0 and out.is_file(), "a fit writes its file", r.stderr)
    c.check(leftovers(out) == [], "no .partial or lock left", str(leftovers(out)))
    v = c.relsim("verify", out)
    c.check(v.returncode == 0 and "ok: fit result" in v.stdout, "relsim verify knows a fit file: ok", v.stdout + v.stderr)
    with h5py.File(out, "r") as f:
        c.check(str(f.attrs.get("relsim_version", "")).startswith("relsim "), "the fit file carries relsim_version (item 11)")
    before = sha(out)
    # (a) a finished result is never replaced without --force
    r = c.relsim("fit", fit, "-o", out, "-q")
    c.check(r.returncode == 2 and "exists already" in r.stderr and sha(out) == before,
            "a second fit onto a finished result: exit 2, the result untouched", r.stderr)
    # (b) inputs, folders, devices: refused before computing, inputs unchanged
    fifo = c.work / "pipe"
    os.mkfifo(fifo)
    (c.work / "adir").mkdir()
    inputs = [fit, c.work / "model.toml", c.work / "eqe.csv", c.work / "MyTb.toml"]
    sums = {p: sha(p) for p in inputs}
    cases = [("the fit file", fit, "is an input of this run"),
             ("the model config", c.work / "model.toml", "is an input of this run"),
             ("the data CSV", c.work / "eqe.csv", "is an input of this run"),
             ("the ion file", c.work / "MyTb.toml", "is an input of this run"),
             ("the CIE table", SOURCE / "data/cie1931_2deg_1nm.csv", "is an input of this run"),
             ("a folder", c.work / "adir", "is a folder"),
             ("a folder with a trailing slash", str(c.work / "adir") + "/", "names a folder"),
             ("a device node", "/dev/null", "is a character device"),
             ("a FIFO", fifo, "is a FIFO"),
             ("a file in a missing folder", c.work / "nope" / "x.h5", "does not exist"),
             ("a CSV name", c.work / "x.csv", "relsim fit writes HDF5")]
    for what, o, msg in cases:
        r = c.relsim("fit", fit, "-o", o, "-q")
        c.check(r.returncode == 2 and msg in r.stderr and "-o" in r.stderr and r.elapsed < 1.5,
                f"-o {what}: exit 2 before computing ({r.elapsed:.2f} s)", r.stderr)
    c.check(all(sha(p) == h for p, h in sums.items()), "the fit file, model, data and ion file are unchanged")
    junk = [p.name for p in c.work.iterdir() if ".partial" in p.name or p.suffix == ".lock"]
    c.check(junk == [], "no .partial or lock file left by the refusals", str(junk))
    # (c) --force replaces a finished result, through the same .partial and rename
    r = c.relsim("fit", fit, "-o", out, "-q", "--force")
    c.check(r.returncode == 0 and c.relsim("verify", out).returncode == 0 and leftovers(out) == [],
            "--force replaces the result (verifies, nothing left)", r.stderr)
    # (d) the -o lock: held by a relsim run -> refused, nothing touched
    held = c.work / "held.h5"
    with open(str(held) + ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lk.write("4242\n")
        lk.flush()
        r = c.relsim("fit", fit, "-o", held, "-q")
        c.check(r.returncode == 2 and "being written by another relsim run (pid 4242)" in r.stderr,
                "a claimed -o is refused with exit 2 and the holder's pid", r.stderr)
    c.check(not held.exists() and not pathlib.Path(str(held) + ".partial").exists(), "no file made")
    # (e) a fit while a run writes the same -o: refused; the run completes as if undisturbed
    cfg, ref = c.reference(LONG, extra=("--block-points", "4000"))
    shared = c.work / "shared.h5"
    run = subprocess.Popen([c.a.relsim, "run", str(cfg), "-o", str(shared), "--quiet", "--block-points", "4000"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lock = pathlib.Path(str(shared) + ".lock")
    t0 = time.monotonic()
    while not (lock.exists() and lock.read_text().strip() == str(run.pid)) and time.monotonic() - t0 < 10:
        time.sleep(0.005)
    r = c.relsim("fit", fit, "-o", shared, "-q")
    running = run.poll() is None
    _, err = run.communicate(timeout=120)
    c.check(running and r.returncode == 2 and "another relsim run" in r.stderr,
            "a fit onto a running run's -o: exit 2 while the run runs", r.stderr)
    c.check(run.returncode == 0, "the run completes", err)
    n = assert_same_datasets(ref, shared, "run beside a refused fit vs reference")
    c.check(True, f"the run's file equals an undisturbed run in all {n} datasets")
    # (f) two fits on one -o: one writes, the other refuses; the result verifies
    fit_slow = fit_setup(c, multistart=12)
    two = c.work / "two.h5"
    first = subprocess.Popen([c.a.relsim, "fit", str(fit_slow), "-o", str(two), "-q", "-t", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lock = pathlib.Path(str(two) + ".lock")
    t0 = time.monotonic()
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)) and time.monotonic() - t0 < 10:
        time.sleep(0.005)
    running_before = first.poll() is None
    second = c.relsim("fit", fit, "-o", two, "-q")
    running = first.poll() is None
    _, err = first.communicate(timeout=120)
    # The second fit is refused either way: by the lock while the first runs, or (when the first
    # finished in the meantime, a race on a fast or loaded machine) by the finished result.
    c.check(running_before and second.returncode == 2
            and ("another relsim run" in second.stderr if running else
                 ("another relsim run" in second.stderr or "exists already" in second.stderr)),
            "the second fit refuses (exit 2) while the first runs", second.stderr)
    c.check(first.returncode == 0 and c.relsim("verify", two).returncode == 0 and leftovers(two) == [],
            "the first fit's result is complete and verifies", err)
    # (g) an interrupted run's .partial beside -o is kept (a fit cannot resume it) ...
    res = c.work / "res.h5"
    rp = pathlib.Path(str(res) + ".partial")
    p = subprocess.Popen([c.a.relsim, "run", str(cfg), "-o", str(res), "--quiet", "--block-points", "4000"],
                         stdout=subprocess.DEVNULL)
    t0 = time.monotonic()
    while not rp.exists() and p.poll() is None and time.monotonic() - t0 < 20:
        time.sleep(0.002)
    time.sleep(0.1)
    p.kill()
    p.wait()
    if c.check(rp.exists(), "a killed run left a resumable .partial"):
        before = sha(rp)
        r = c.relsim("fit", fit, "-o", res, "-q")
        c.check(r.returncode == 2 and "interrupted relsim run" in r.stderr and "--force" in r.stderr
                and sha(rp) == before and not res.exists(),
                "a fit onto it: exit 2, the .partial untouched", r.stderr)
        r = c.relsim("run", cfg, "-o", res, "--quiet", "--resume", "--block-points", "4000")
        c.check(r.returncode == 0, "relsim run --resume still completes it", r.stderr)
        assert_same_datasets(ref, res, "resumed after a refused fit vs reference")
    # ... a killed fit's .partial is replaced; a .partial that is a link: the link goes, not its target
    stale = c.work / "stale.h5"
    shutil.copy(out, str(stale) + ".partial")
    r = c.relsim("fit", fit, "-o", stale, "-q")
    c.check(r.returncode == 0 and "replaced" in r.stderr and leftovers(stale) == [],
            "a killed fit's .partial is replaced (with a note)", r.stderr)
    outside = c.work / "adir" / "precious.h5"
    shutil.copy(out, outside)
    before = sha(outside)
    linked = c.work / "linked.h5"
    pathlib.Path(str(linked) + ".partial").symlink_to(outside)
    r = c.relsim("fit", fit, "-o", linked, "-q", "--force")
    c.check(r.returncode == 0 and sha(outside) == before and linked.is_file() and not linked.is_symlink(),
            "a .partial that is a symbolic link: the link is replaced, its target untouched", r.stderr)
    # (h) disk full while writing the result: exit 1, the OS error, nothing left
    full = c.work / "full.h5"
    r = c.relsim("fit", fit, "-o", full, "-q",
                 env={"LD_PRELOAD": c.a.inject, "RELSIM_FAULT_PATH": "full.h5.partial", "RELSIM_FAULT_AFTER_BYTES": "2048"})
    c.check(r.returncode == 1 and "No space left on device" in r.stderr and "full.h5" in r.stderr,
            "disk full while writing the fit result: exit 1 with the OS error", r.stderr)
    c.check(leftovers(full) == [] and not full.exists(), "nothing is left", str(leftovers(full)))


def fit_extreme_values(c):
    """A fit the model cannot evaluate says where, without Ceres' glog lines (issue 21 item 11)."""
    fit = fit_setup(c)
    cases = [("a current density of 1e300 mA cm^-2", "current_density_mA_cm2,eqe\n1e300,0.05\n2,0.05\n3,0.05\n",
              ["big.csv", "J = 1e+300"]),
             ("sigma 1e-300", "current_density_mA_cm2,eqe,sigma\n1,0.05,1e-300\n2,0.05,1e-300\n3,0.05,1e-300\n",
              ["big.csv:2", "sigma"])]
    for what, csv, names in cases:
        c.write("big.csv", csv)
        f = c.write("x.toml", fit.read_text().replace("eqe.csv", "big.csv"))
        out = c.work / "x.h5"
        r = c.relsim("fit", f, "-o", out, "-q")
        c.check(r.returncode == 1 and all(n in r.stderr for n in names) and "trust_region_minimizer" not in r.stderr
                and not out.exists() and leftovers(out) == [],
                f"{what}: exit 1 naming {names}, no glog noise, nothing written", r.stderr)


def export_safety(c):
    """relsim export checks every table before writing any, never writes through a link, refuses
    an unfinished run's .partial unless asked, names the OS reason, knows fit files (issue 21
    items 11, 15)."""
    cfg, ref = c.reference(MEDIUM)
    d = c.work / "csv"
    r = c.relsim("export", ref, "--csv", d)
    c.check(r.returncode == 0 and (d / "results.csv").is_file() and (d / "line_photon_rate.csv").is_file(),
            "a first export writes its tables", r.stderr)
    (d / "results.csv").unlink()
    r = c.relsim("export", ref, "--csv", d)
    c.check(r.returncode == 2 and "line_photon_rate.csv" in r.stderr and not (d / "results.csv").exists(),
            "one table exists: exit 2 before any table is written (results.csv not written)", r.stderr)
    outside = c.work / "precious.txt"
    outside.write_text("keep me\n")
    (d / "results.csv").symlink_to(outside)
    r = c.relsim("export", ref, "--csv", d, "--force")
    c.check(r.returncode == 0 and outside.read_text() == "keep me\n" and not (d / "results.csv").is_symlink()
            and (d / "results.csv").read_text().startswith("point,"),
            "--force over a symbolic link replaces the link, not the file it points to", r.stderr)
    c.check(not list(d.glob("*.exporting")), "no temporary table left")
    # an interrupted run
    out = c.work / "inc.h5"
    partial = pathlib.Path(str(out) + ".partial")
    p = subprocess.Popen([c.a.relsim, "run", str(cfg), "-o", str(out), "--quiet", "--block-points", "200"],
                         stdout=subprocess.DEVNULL)
    t0 = time.monotonic()
    while not partial.exists() and p.poll() is None and time.monotonic() - t0 < 20:
        time.sleep(0.002)
    time.sleep(0.05)
    p.kill()
    p.wait()
    if c.check(partial.exists(), "a killed run left a .partial"):
        d2 = c.work / "csv_inc"
        r = c.relsim("export", partial, "--csv", d2)
        c.check(r.returncode == 2 and "incomplete" in r.stderr and "--incomplete" in r.stderr
                and not (d2 / "results.csv").exists(),
                "an incomplete .partial: exit 2, nothing written, how to export it anyway", r.stderr)
        r = c.relsim("export", partial, "--csv", d2, "--incomplete")
        ok = r.returncode == 0 and "warning" in r.stderr and "incomplete" in r.stderr
        if ok:
            head = (d2 / "results.csv").read_text().splitlines()
            ok = "done [1]" in head[0].split(",") and len(head) == 20001
        c.check(ok, "--incomplete: exit 0 with a warning and a 'done' column", r.stderr)
    # the OS reason of a failure
    (c.work / "afile").write_text("x")
    r = c.relsim("export", ref, "--csv", c.work / "afile" / "sub")
    c.check(r.returncode == 2 and "Not a directory" in r.stderr, "a folder that cannot be created: the OS reason",
            r.stderr)
    # a fit result
    fit = fit_setup(c)
    fo = c.work / "fit.h5"
    assert c.relsim("fit", fit, "-o", fo, "-q").returncode == 0
    d3 = c.work / "csv_fit"
    r = c.relsim("export", fo, "--csv", d3)
    ok = r.returncode == 0 and (d3 / "parameters.csv").is_file() and (d3 / "data_0.csv").is_file()
    if ok:
        rows = (d3 / "parameters.csv").read_text().splitlines()
        ok = rows[0].startswith("key,unit,value,stderr") and rows[1].startswith("device.outcoupling,1,")
    c.check(ok, "a fit result exports parameters.csv (keys, values, errors) and data_0.csv", r.stderr)


GROUPS = {f.__name__: f for f in (fit_output, fit_extreme_values, export_safety)}

if __name__ == "__main__":
    sys.exit(run_groups(GROUPS))
