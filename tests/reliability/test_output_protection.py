#!/usr/bin/python3
"""Output protection and resume (issue 14; docs/reliability.md "Concurrent runs and the output
path", "Full disks, file size limits, I/O errors, kills"): two runs on one -o, -o onto an input or
a non-file, file size limits, full disks and I/O errors (an LD_PRELOAD injector), kill -9 at
random moments, a read-only folder, damaged .partial files, and the hint after a failed file
creation. Each ends in a refusal (exit 2), a located error (exit 1) or a file equal to an
undisturbed run.

One CTest test per group: test_output_protection.py GROUP --relsim BIN --inject SO --workdir DIR
(tests/reliability/CMakeLists.txt; shared helpers in reliability_support.py)."""
import fcntl, os, pathlib, random, shutil, subprocess, sys, time

import h5py
import numpy as np

from reliability_support import SOURCE, sweep, MEDIUM, LONG, sha, leftovers, f_points, assert_same_datasets, run_groups


def two_writers(c):
    cfg, ref = c.reference(LONG, extra=("--block-points", "4000"))
    out = c.work / "same.h5"
    # (a) The output is claimed by someone else (the lock a running relsim holds): refused,
    # and a finished file of that name is left untouched.
    shutil.copy(ref, out)
    before = sha(out)
    with open(str(out) + ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lk.write("4242\n")
        lk.flush()
        r = c.relsim("run", cfg, "-o", out, "--quiet")
        c.check(r.returncode == 2 and "being written by another relsim run (pid 4242)" in r.stderr,
                "a claimed -o is refused with exit 2 and the holder's pid", r.stderr)
        r2 = c.relsim("run", cfg, "-o", out, "--quiet", "--resume")
        c.check(r2.returncode == 2 and "another relsim run" in r2.stderr, "--resume of a claimed -o is refused", r2.stderr)
    c.check(sha(out) == before and not (c.work / "same.h5.partial").exists(),
            "the existing file is untouched and no .partial was made")
    out.unlink()
    # (b) Two real runs: the second refuses while the first runs; the first's file is complete.
    first = subprocess.Popen([c.a.relsim, "run", str(cfg), "-o", str(out), "--quiet", "--block-points", "4000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lock = pathlib.Path(str(out) + ".lock")
    t0 = time.monotonic()
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)) and time.monotonic() - t0 < 10:
        time.sleep(0.005)
    second = c.relsim("run", cfg, "-o", out, "--quiet")
    running = first.poll() is None
    _, err = first.communicate(timeout=120)
    c.check(running, "the first run was still running when the second started")
    c.check(second.returncode == 2 and "another relsim run" in second.stderr,
            "the second run refuses plainly (exit 2)", second.stderr)
    c.check(first.returncode == 0, "the first run completes", err)
    n = assert_same_datasets(ref, out, "first run vs reference")
    c.check(True, f"the first run's file equals an undisturbed run in all {n} datasets")
    c.check(not lock.exists() and leftovers(out) == [], "no lock or temporary file is left", str(leftovers(out)))
    v = c.relsim("verify", out)
    c.check(v.returncode == 0, "relsim verify: ok", v.stdout)


def output_onto_inputs(c):
    ion = c.work / "MyTb.toml"
    shutil.copy(SOURCE / "configs/ions/Tb.toml", ion)
    text = LONG.replace('ion = "Tb"', f'ion = "Tb"\nion_file = "{ion.name}"')
    cfg = c.write("in.toml", text)
    link = c.work / "link.toml"
    link.symlink_to(cfg.name)
    fifo = c.work / "pipe"
    os.mkfifo(fifo)
    (c.work / "adir").mkdir()
    sums = {p: sha(p) for p in (cfg, ion)}
    cases = [("the config", cfg, "is an input of this run"),
             ("the config through a symlink", link, "is an input of this run"),
             ("the ion file", ion, "is an input of this run"),
             ("the CIE table", SOURCE / "data/cie1931_2deg_1nm.csv", "is an input of this run"),
             ("a folder", c.work / "adir", "is a folder"),
             ("a folder with a trailing slash", str(c.work / "adir") + "/", "names a folder"),
             ("a device node", "/dev/null", "is a character device"),
             ("a FIFO", fifo, "is a FIFO"),
             ("a file in a missing folder", c.work / "nope" / "x.h5", "does not exist"),
             ("a name whose .partial is a folder", c.work / "pdir.h5", "pdir.h5.partial' is a folder")]
    (c.work / "pdir.h5.partial").mkdir()
    for what, out, msg in cases:
        r = c.relsim("run", cfg, "-o", out, "--quiet")
        c.check(r.returncode == 2 and msg in r.stderr and "-o" in r.stderr and r.elapsed < 5,
                f"-o {what}: exit 2 before computing ({r.elapsed:.2f} s)", r.stderr)
    c.check(all(sha(p) == h for p, h in sums.items()), "the config and the ion file are unchanged")
    junk = [p.name for p in c.work.iterdir() if (".partial" in p.name and p.is_file()) or p.suffix == ".lock"]
    c.check(junk == [], "no .partial or lock file left", str(junk))


def file_size_limit(c):
    cfg, ref = c.reference(MEDIUM, extra=("--block-points", "500"))
    size = ref.stat().st_size
    out = c.work / "lim.h5"
    # (a) A limit below the file size: met while creating the file, before any point.
    r = c.relsim("run", cfg, "-o", out, "--quiet", limit_bytes=size // 3)
    c.check(r.returncode == 1 and "File too large" in r.stderr and "lim.h5.partial" in r.stderr,
            "ulimit -f at creation: exit 1 (no signal), the message names the file and the OS error", r.stderr)
    c.check(leftovers(out) == [] and not out.exists(), "nothing is left", str(leftovers(out)))
    # (b) A limit met during a sweep: a run killed half-way, resumed under a limit of half the
    # file (writes above it fail), then resumed with room.
    partial = pathlib.Path(str(out) + ".partial")
    for delay in (0.15, 0.08, 0.04, 0.25, 0.4):
        for p in out.parent.glob("lim.h5*"):
            p.unlink()
        p = subprocess.Popen([c.a.relsim, "run", str(cfg), "-o", str(out), "--quiet", "--block-points", "500"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        while not partial.exists() and p.poll() is None and time.monotonic() - t0 < 10:
            time.sleep(0.002)
        time.sleep(delay)
        p.kill()
        p.wait()
        if partial.exists() and not out.exists():
            with h5py.File(partial, "r") as f:
                done = int(f["sweep/done"][()].sum())
            if done < f_points(ref) // 2:
                break
    else:
        c.check(False, "could not interrupt the run in its first half")
        return
    r = c.relsim("run", cfg, "-o", out, "--quiet", "--resume", "--block-points", "500", limit_bytes=size // 2)
    c.check(r.returncode == 1 and "File too large" in r.stderr and "--resume" in r.stderr,
            f"ulimit -f during the sweep ({done} points were on disk): exit 1, the error and how to continue", r.stderr)
    c.check(partial.exists() and not out.exists(), "the .partial is kept")
    r = c.relsim("run", cfg, "-o", out, "--quiet", "--resume", "--block-points", "500")
    c.check(r.returncode == 0, "--resume with room completes", r.stderr)
    n = assert_same_datasets(ref, out, "size limit + resume vs reference")
    c.check(True, f"the resumed file equals an undisturbed run in all {n} datasets")


def disk_full_then_resume(c):
    cfg, ref = c.reference(MEDIUM, extra=("--block-points", "500"))
    size = ref.stat().st_size
    out = c.work / "full.h5"
    partial = pathlib.Path(str(out) + ".partial")
    inject = {"LD_PRELOAD": c.a.inject, "RELSIM_FAULT_PATH": "full.h5.partial"}
    # At creation: nothing computed, nothing left.
    r = c.relsim("run", cfg, "-o", out, "--quiet", env={**inject, "RELSIM_FAULT_AFTER_BYTES": "4096"})
    c.check(r.returncode == 1 and "No space left on device" in r.stderr and "full.h5.partial" in r.stderr,
            "disk full while creating: exit 1, file and OS error named", r.stderr)
    c.check(leftovers(out) == [], "nothing is left", str(leftovers(out)))
    for err, text in ((28, "No space left on device"), (5, "Input/output error")):
        env = {**inject, "RELSIM_FAULT_AFTER_BYTES": str(int(1.3 * size)), "RELSIM_FAULT_ERRNO": str(err)}
        r = c.relsim("run", cfg, "-o", out, "--quiet", "--block-points", "500", env=env)
        c.check(r.returncode == 1 and text in r.stderr and "full.h5.partial" in r.stderr and "--resume" in r.stderr,
                f"{text} during the sweep: exit 1 (no signal), file, OS error and how to continue", r.stderr)
        ok = partial.exists()
        if ok:
            with h5py.File(partial, "r") as f:
                done = int(f["sweep/done"][()].sum())
                ok = 0 < done < f["sweep/done"].size and f.attrs["complete"] == 0
        c.check(ok, f"the .partial holds the blocks written before the error")
        r = c.relsim("run", cfg, "-o", out, "--quiet", "--resume", "--block-points", "500")
        c.check(r.returncode == 0, "--resume once there is room completes", r.stderr)
        n = assert_same_datasets(ref, out, f"errno {err} + resume vs reference")
        c.check(True, f"the resumed file equals an undisturbed run in all {n} datasets")
        out.unlink()


def kill9_random(c):
    cfg, ref = c.reference(sweep(50, 200), extra=("--block-points", "200"))  # 10 000 points
    t0 = time.monotonic()
    c.relsim("run", cfg, "-o", c.work / "timing.h5", "--quiet", "--block-points", "200", "--force")
    span = time.monotonic() - t0
    rng = random.Random(14)
    # Kills timed from the start (they land before or while the file is created), then kills
    # timed from the moment the .partial appears (they land in the sweep or after it).
    delays = [("start", d) for d in (0.0, 0.001, 0.003, 0.006)] + [("creating", 0.0)] * 2 + \
             [("partial", rng.uniform(0, 0.7 * span)) for _ in range(6)]
    out = c.work / "k.h5"
    partial = pathlib.Path(str(out) + ".partial")
    creating = pathlib.Path(str(partial) + ".creating")
    states = {"finished": 0, "resumed": 0, "nothing": 0, "creating_left": 0}
    for mode, d in delays:
        for p in out.parent.glob("k.h5*"):
            p.unlink()
        p = subprocess.Popen([c.a.relsim, "run", str(cfg), "-o", str(out), "--quiet", "--block-points", "200"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while mode == "partial" and not partial.exists() and p.poll() is None:
            time.sleep(0.001)
        while mode == "creating" and not (creating.exists() or partial.exists()) and p.poll() is None:
            pass  # as soon as the file is being created
        time.sleep(d)
        p.kill()
        p.wait()
        if out.exists():
            states["finished"] += 1
            r = c.relsim("verify", out)
            c.check(r.returncode == 0, f"kill at {d:.3f} s after finishing: the file verifies", r.stdout)
        elif partial.exists():
            states["resumed"] += 1
            r = c.relsim("run", cfg, "-o", out, "--quiet", "--resume", "--block-points", "200")
            c.check(r.returncode == 0, f"kill at {d:.3f} s: --resume completes", r.stderr)
        else:
            states["nothing"] += 1  # killed before or while creating: no .partial
            states["creating_left"] += creating.exists()
            r = c.relsim("run", cfg, "-o", out, "--quiet", "--block-points", "200")
            c.check(r.returncode == 0, f"kill at {d:.3f} s (no .partial): a new run completes", r.stderr)
        if out.exists():
            assert_same_datasets(ref, out, f"kill at {d:.3f} s")
        c.check(leftovers(out) == [], f"kill at {d:.3f} s: equal to the reference, nothing left over",
                str(leftovers(out)))
    print(f"     outcomes: {states}")
    c.check(states["resumed"] >= 3, "at least 3 kills landed mid-sweep")


def readonly_folder(c):
    ro = c.work / "ro"
    ro.mkdir()
    cfg = c.write("in.toml", MEDIUM)
    os.chmod(c.work, 0o755)
    os.chmod(cfg, 0o644)
    os.chmod(ro, 0o555)
    cmd = [c.a.relsim, "run", str(cfg), "-o", str(ro / "x.h5"), "--quiet"]
    if os.geteuid() == 0:  # root writes anywhere: run as nobody
        setpriv = shutil.which("setpriv")
        if not setpriv:
            c.check(False, "setpriv is needed to test a read-only folder as root")
            return
        cmd = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    c.check(r.returncode == 2 and "cannot create files in the output folder" in r.stderr and "Permission denied" in r.stderr,
            "a read-only output folder: exit 2 before computing, with the OS error", r.stderr)
    c.check(list(ro.iterdir()) == [], "nothing is written there")


def damaged_partial(c):
    cfg, ref = c.reference(MEDIUM, extra=("--block-points", "500"))
    out = c.work / "d.h5"
    partial = pathlib.Path(str(out) + ".partial")
    foreign_h5 = c.work / "foreign.h5"
    with h5py.File(foreign_h5, "w") as f:
        f["x"] = np.arange(3)
    # a real .partial of this config, then truncated (a damaged file)
    p = subprocess.Popen([c.a.relsim, "run", str(cfg), "-o", str(out), "--quiet", "--block-points", "200"],
                         stdout=subprocess.DEVNULL)
    while not partial.exists() and p.poll() is None:
        time.sleep(0.002)
    time.sleep(0.05)
    p.kill()
    p.wait()
    real = partial.read_bytes() if partial.exists() else b""
    other_cfg, other = c.reference(sweep(10, 10), name="other")
    kinds = [("empty", b"", "it is empty"),
             ("foreign text", b"not an HDF5 file\n" * 100, "not a readable HDF5 file"),
             ("foreign HDF5", foreign_h5.read_bytes(), "not a relsim output file"),
             ("truncated", real[: len(real) // 2], "not a readable HDF5 file")]
    for what, data, msg in kinds:
        partial.write_bytes(data)
        before = sha(partial)
        r = c.relsim("run", cfg, "-o", out, "--quiet", "--resume")
        c.check(r.returncode == 2 and msg in r.stderr and "left as it is" in r.stderr and "without --resume" in r.stderr,
                f"--resume on a {what} .partial: exit 2, says why and how to start over", r.stderr)
        c.check(partial.exists() and sha(partial) == before, f"the {what} .partial is not rewritten")
    # Another config's .partial
    shutil.copy(other, partial)
    r = c.relsim("run", cfg, "-o", out, "--quiet", "--resume")
    c.check(r.returncode == 2 and "different config" in r.stderr, "--resume on another config's file: refused", r.stderr)
    # Starting over replaces it once the new file exists; the result is right.
    r = c.relsim("run", cfg, "-o", out, "--quiet", "--block-points", "500")
    c.check(r.returncode == 0 and "starting over" in r.stderr, "a run without --resume starts over", r.stderr)
    assert_same_datasets(ref, out, "start over vs reference")
    c.check(leftovers(out) == [], "and equals the reference with nothing left over", str(leftovers(out)))
    # A run killed while creating leaves at most a '.creating' file: --resume finds nothing,
    # a new run replaces it.
    out.unlink()
    creating = pathlib.Path(str(partial) + ".creating")
    creating.write_bytes(b"\0" * 1000)
    r = c.relsim("run", cfg, "-o", out, "--quiet", "--resume")
    c.check(r.returncode == 2 and "no interrupted run" in r.stderr, "a stale .creating is not resumed", r.stderr)
    r = c.relsim("run", cfg, "-o", out, "--quiet")
    c.check(r.returncode == 0 and not creating.exists(), "a new run replaces the stale .creating", r.stderr)


def create_error_hints(c):
    """The hint after a failed file creation follows the OS reason (issue 21 item 16: every
    creation error, also a bad dataset name, said "free disk space")."""
    cfg = c.write("c.toml", MEDIUM)
    out = c.work / "e.h5"
    inject = {"LD_PRELOAD": c.a.inject, "RELSIM_FAULT_PATH": "e.h5.partial", "RELSIM_FAULT_AFTER_BYTES": "4096"}
    for errno_, reason, hint in ((28, "No space left on device", "free disk space"),
                                 (5, "Input/output error", "check the disk or file system")):
        r = c.relsim("run", cfg, "-o", out, "--quiet", env={**inject, "RELSIM_FAULT_ERRNO": str(errno_)})
        other = "free disk space" if errno_ != 28 else "I/O error"
        c.check(r.returncode == 1 and reason in r.stderr and hint in r.stderr and other not in r.stderr,
                f"{reason} while creating: exit 1, the hint '{hint}' only", r.stderr)
        c.check(leftovers(out) == [], "nothing is left", str(leftovers(out)))
    r = c.relsim("run", cfg, "-o", out, "--quiet", limit_bytes=8192)
    c.check(r.returncode == 1 and "File too large" in r.stderr and "ulimit -f" in r.stderr
            and "free disk space" not in r.stderr, "a file size limit: the hint names the limit", r.stderr)


GROUPS = {f.__name__: f for f in (two_writers, output_onto_inputs, file_size_limit,
                                  disk_full_then_resume, kill9_random, readonly_folder,
                                  damaged_partial, create_error_hints)}

if __name__ == "__main__":
    sys.exit(run_groups(GROUPS))
