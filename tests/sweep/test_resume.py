#!/usr/bin/python3
"""kill -9 in the middle of a sweep, then --resume, must give the same file as a run that was
never interrupted (every dataset bit for bit), and the interrupted file must not look finished.
"""
import argparse, os, pathlib, shutil, signal, subprocess, sys, time
import h5py

from relsim_test_support import TB_DEVICE, assert_same_datasets

CONFIG = TB_DEVICE + """
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e3
points = 1000
[[sweep.axis]]
key = "dopant.0.kTET_s"
log_from = 1e6
to = 1e11
points = 500
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    work = pathlib.Path(a.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cfg = work / "resume.toml"
    cfg.write_text(CONFIG)
    full, cut = work / "full.h5", work / "cut.h5"
    common = ["--quiet", "--threads", "2", "--block-points", "500"]

    subprocess.run([a.relsim, "run", str(cfg), "-o", str(full)] + common, check=True,
                   stdout=subprocess.DEVNULL)
    partial = pathlib.Path(str(cut) + ".partial")
    for delay in (0.4, 0.2, 0.1, 0.05):
        shutil.rmtree(cut, ignore_errors=True)
        p = subprocess.Popen([a.relsim, "run", str(cfg), "-o", str(cut)] + common,
                             stdout=subprocess.DEVNULL)
        # The .partial appears once the file is fully created (it is built under a temporary
        # name; a kill before that leaves no .partial: tests/reliability kill9_random).
        t0 = time.monotonic()
        while not partial.exists() and p.poll() is None and time.monotonic() - t0 < 30:
            time.sleep(0.002)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if not cut.exists():
            break
        cut.unlink()
    else:
        print("the run finished before it could be killed; nothing to test", file=sys.stderr)
        return 1
    assert partial.exists(), "an interrupted run must leave its .partial file"
    with h5py.File(partial, "r") as f:
        done = f["sweep/done"][()]
        assert f.attrs["complete"] == 0
    n_done = int(done.sum())
    print(f"killed with {n_done} of {done.size} points on disk")
    assert n_done < done.size, "the run was not interrupted"

    r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(cut), "--resume"] + common,
                       stdout=subprocess.PIPE, text=True)
    assert r.returncode == 0, r
    assert cut.exists() and not partial.exists()
    n = assert_same_datasets(full, cut, "kill -9 + resume vs uninterrupted")
    print(f"resumed file equals the uninterrupted run in all {n} datasets")

    # Ctrl-C (SIGINT): the block in progress is finished and written, the run exits with 1 and
    # says how to resume; resuming then completes the same file.
    soft = work / "soft.h5"
    for delay in (0.4, 0.2, 0.1, 0.05):
        p = subprocess.Popen([a.relsim, "run", str(cfg), "-o", str(soft)] + common,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate()
        if p.returncode != 0:
            break
        soft.unlink()
    else:
        print("the run finished before SIGINT; nothing to test", file=sys.stderr)
        return 1
    assert p.returncode == 1, p.returncode
    assert "--resume" in err and not soft.exists(), err
    r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(soft), "--resume"] + common,
                       stdout=subprocess.DEVNULL)
    assert r.returncode == 0
    assert_same_datasets(full, soft, "SIGINT + resume vs uninterrupted")
    print("SIGINT: exit 1 with a resume hint; resumed file equals the uninterrupted run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
