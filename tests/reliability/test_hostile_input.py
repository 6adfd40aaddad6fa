#!/usr/bin/python3
"""Hostile and careless input (docs/reliability.md "Hostile and careless config input"): device
files, links, huge and deeply nested configs, bad UTF-8, duplicate keys, seeds, bad --block-points
and init paths, each exit 2 in well under a second and located; the saved fuzz inputs replayed;
20 000 shells read in linear time; `relsim check` prints "valid" only when every check passed and
a second Ctrl-C says what it kept (issue 21 items 13, 15, 20).

One CTest test per group: test_hostile_input.py GROUP --relsim BIN --inject SO --workdir DIR
(tests/reliability/CMakeLists.txt; shared helpers in reliability_support.py)."""
import os, pathlib, re, shutil, signal, subprocess, sys, time

import h5py
import numpy as np

from reliability_support import SOURCE, TB_DEVICE, run_groups


def hostile_input(c):
    good = TB_DEVICE
    big = c.write("big.toml", "# " + "x" * (17 << 20) + "\n" + good)
    loop_a, loop_b = c.work / "loop_a.toml", c.work / "loop_b.toml"
    loop_a.symlink_to(loop_b.name)
    loop_b.symlink_to(loop_a.name)
    fifo = c.work / "fifo.toml"
    os.mkfifo(fifo)
    dotted = "a" + ".a" * 39999 + " = 1\n"
    many = "[sweep]\n[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nvalues = [" + ", ".join(["1.0"] * 1000001) + "]\n"
    cases = [  # (name, path or text, expected line or None, message fragment)
        ("/dev/zero", "/dev/zero", None, "is a character device"),
        ("a FIFO", fifo, None, "is a FIFO"),
        ("a folder", c.work, None, "is a directory"),
        ("a symlink loop", loop_a, None, "symbolic link loop"),
        ("17 MiB", big, None, "larger than the 16 MiB"),
        ("\\xCA\\x8F outside a string", good.encode() + b"\xca\x8f = 1\n", 14, "non-ASCII character outside a string"),
        ("invalid UTF-8 in a string", good.replace('"relsim test device"', '"bad \udcff"').encode("utf-8", "surrogateescape"), 1, "invalid UTF-8 byte 0xFF"),
        ("overlong UTF-8", b'title = "\xc0\xaf"\n', 1, "invalid UTF-8 byte 0xC0"),
        ("UTF-16 surrogate", b'title = "\xed\xa0\x80"\n', 1, "surrogate"),
        ("a NUL byte", good.encode().replace(b"[device]", b"[dev\0ice]"), 2, "NUL byte"),
        ("a NUL in the title", good.replace('"relsim test device"', '"a\\u0000b"'), 1, "NUL character"),
        ("40 000-part dotted key", dotted, 1, "more than 32 parts"),
        ("arrays nested 10 000 deep", "x = " + "[" * 10000 + "]" * 10000 + "\n", 1, "nested more than 32 deep"),
        ("inline tables nested 10 000 deep", "x = " + "{a=" * 10000 + "1" + "}" * 10000 + "\n", 1, "nested more than 32 deep"),
        ("duplicate quoted key", good.replace('quench_s = { "5D4" = 60.0 }', 'quench_s = { "5D4" = 60.0, "5D4" = 1.0 }'), 13, "duplicate key or table: '\"5D4\"'"),
        ("duplicate table", good + "[device]\n", 14, "duplicate key or table: '[device]'"),
        ("seed as a float", good + "[sweep]\nmode = \"random\"\nsamples = 2\nseed = 1.5\n[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nfrom = 1\nto = 2\n", 17, "sweep.seed"),
        ("negative seed", good + "[sweep]\nmode = \"random\"\nsamples = 2\nseed = -1\n[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nfrom = 1\nto = 2\n", 17, "negative"),
        ("seed above 2^63", good + "[sweep]\nmode = \"random\"\nsamples = 2\nseed = 9223372036854775808\n[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nfrom = 1\nto = 2\n", 17, "TOML syntax error"),
        ("an axis of 1 000 001 values", good + many, 17, "at most 1e6 values"),
    ]
    for name, src, line, frag in cases:
        path = src if isinstance(src, (pathlib.Path, str)) and not (isinstance(src, str) and "\n" in src) else c.write("case.toml", src)
        r = c.relsim("check", path, timeout=20)
        located = line is None or f"{path}:{line}:" in r.stderr
        # well under a second, except for parsing 16 MiB or a million numbers on a busy CI core
        budget = 5.0 if name.startswith(("17 MiB", "an axis of")) else 1.0
        c.check(r.returncode == 2 and frag in r.stderr and located and r.elapsed < budget,
                f"{name}: exit 2 in {r.elapsed:.2f} s, located, '{frag}'", r.stderr[:600])
    ok = c.write("utf8_title.toml", good.replace('"relsim test device"', '"Tb \u028f device"'))
    r = c.relsim("check", ok)
    c.check(r.returncode == 0, "\\xCA\\x8F (U+028F) inside a string is accepted", r.stderr)
    cfg = c.write("ok.toml", TB_DEVICE)
    for bp in ("-5", "0"):
        r = c.relsim("run", cfg, "-o", c.work / "bp.h5", "--quiet", "--block-points", bp)
        c.check(r.returncode == 2 and "--block-points" in r.stderr and not (c.work / "bp.h5").exists(),
                f"--block-points {bp}: exit 2", r.stderr)
    # seed through a double: 2^53 and 2^53 + 1 are the same double, different integers
    axes = []
    for seed in (2**53, 2**53 + 1):
        cfg = c.write(f"seed{seed}.toml", TB_DEVICE + f"[sweep]\nmode = \"random\"\nsamples = 3\nseed = {seed}\n"
                      "[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nlog_from = 1e-3\nto = 1e3\n")
        out = c.work / f"seed{seed}.h5"
        r = c.relsim("run", cfg, "-o", out, "--quiet")
        assert r.returncode == 0, r.stderr
        with h5py.File(out, "r") as f:
            axes.append(f["axes/0"][()])
    c.check(not np.array_equal(axes[0], axes[1]), "seeds 2^53 and 2^53 + 1 give different samples")
    # Issue 21 item 15: `init ''` and `init DIR/` would write a hidden '.toml'; `init` through a
    # dangling link would create the link's target.
    initdir = c.work / "init"
    initdir.mkdir()
    r = subprocess.run([c.a.relsim, "init", ""], cwd=initdir, capture_output=True, text=True, timeout=60)
    c.check(r.returncode == 2 and not (initdir / ".toml").exists(), "init '': exit 2, no hidden .toml", r.stderr)
    r = c.relsim("init", f"{initdir}/")
    c.check(r.returncode == 2 and not (initdir / ".toml").exists(), "init DIR/: exit 2, no hidden .toml", r.stderr)
    (initdir / "dangling.toml").symlink_to(initdir / "elsewhere.toml")
    for force in ([], ["--force"]):
        r = c.relsim("init", initdir / "dangling", *force)
        c.check(r.returncode == 2 and "link" in r.stderr and not (initdir / "elsewhere.toml").exists(),
                f"init onto a dangling link {' '.join(force)}: exit 2, the link's target not created", r.stderr)


def check_and_interrupts(c):
    """relsim check prints "valid" only when every check passed; a second Ctrl-C says what it
    did (issue 21 items 15, 20)."""
    src = (SOURCE / "configs/microscopic/active_shell_series.toml").read_text()
    shutil.copytree(SOURCE / "configs/microscopic", c.work / "micro", dirs_exist_ok=True)
    bad = c.work / "micro" / "bad_geometry.toml"
    bad.write_text(re.sub(r"radius_nm = [0-9.eE+-]+", "radius_nm = 1e4", src))
    r = c.relsim("check", bad)
    c.check(r.returncode == 2 and "valid" not in r.stdout and "shell" in r.stderr,
            "a [nanocrystal] geometry error: exit 2 and no 'valid' printed before it", r.stdout[:300] + r.stderr)
    # A sweep point whose geometry is wrong (shell 0 beyond shell 1 at the second value): the
    # same, exit 2 before any "valid" (item 20: "valid" and the table came first).
    bad_sweep = c.work / "micro" / "bad_sweep_geometry.toml"
    bad_sweep.write_text(re.sub(r"values = \[4\.5[^\]]*\]", "values = [4.5, 5.5]", src))
    r = c.relsim("check", bad_sweep)
    c.check(r.returncode == 2 and r.stdout == "" and "sweep (axis 0 point 1)" in r.stderr,
            "a sweep-geometry error: exit 2, nothing on stdout", r.stdout[:300] + r.stderr)
    good = c.work / "micro" / "active_shell_series.toml"
    r = c.relsim("check", good)
    c.check(r.returncode == 0 and r.stdout.startswith(f"{good}: valid"), "a good config: 'valid' first", r.stdout[:200])
    # The first Ctrl-C stops after the points in progress; on a loaded machine that graceful stop
    # can finish before the second signal arrives (a valid outcome too: exit 1, "interrupted").
    # Try a few times; every attempt must end in one of the two documented ways, and at least
    # one must show the second-interrupt path.
    seen_second, outcomes_ok, err = False, True, ""
    for attempt in range(5):
        out = c.work / f"m{attempt}.h5"
        partial = pathlib.Path(str(out) + ".partial")
        p = subprocess.Popen([c.a.relsim, "run", str(good), "-o", str(out), "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        while not partial.exists() and p.poll() is None and time.monotonic() - t0 < 30:
            time.sleep(0.01)
        p.send_signal(signal.SIGINT)
        time.sleep(0.05)
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        second = p.returncode == 130 and "second interrupt" in err and "--resume" in err and f"m{attempt}.h5.partial" in err
        graceful = p.returncode == 1 and "interrupted:" in err and "--resume" in err
        outcomes_ok = outcomes_ok and (second or graceful)
        if second:
            seen_second = True
            break
    c.check(seen_second and outcomes_ok,
            "a second Ctrl-C: exit 130 with what was kept and how to continue", err)


def many_shells(c):
    """A config with 20 000 shells is read in linear time (issue 21 item 13: 27 s, quadratic: the
    resolved table copied the whole spec for every key). The bound is generous (measured 1.4 s
    on the 2-core VM under load; 27 s before): it only catches a return of the quadratic read."""
    src = (SOURCE / "configs/microscopic/inert_shell_series.toml").read_text()
    head = src.split("\n[[nanocrystal.shell]]")[0] + "\n"
    tail = "\n[nanocrystal.ligand]" + src.split("\n[nanocrystal.ligand]")[1].split("\n[sweep]")[0]
    shells = '[[nanocrystal.shell]]\nouter_radius_nm = 4.0\ncomposition = { Tb = 0.40 }\n' + "".join(
        f"[[nanocrystal.shell]]\nouter_radius_nm = {4.0 + 0.0005 * (i + 1):.4f}\ncomposition = {{}}\n"
        for i in range(20000))
    shutil.copytree(SOURCE / "configs/microscopic", c.work / "micro", dirs_exist_ok=True)
    cfg = c.work / "micro" / "shells.toml"
    cfg.write_text(head + shells + tail)
    r = c.relsim("check", cfg, timeout=120)
    c.check(r.returncode == 0 and "nanocrystal.shell.20000.outer_radius_nm" in r.stdout and r.elapsed < 8.0,
            f"20 001 shells: relsim check in {r.elapsed:.2f} s (< 8 s), every shell in the table", r.stderr[-500:])


def fuzz_crashes_replay(c):
    files = sorted((SOURCE / "tests/fuzz/crashes").iterdir())
    for p in files:
        r = c.relsim("check", p, timeout=20)
        c.check(r.returncode in (0, 2) and r.elapsed < 2.0 and "run failed" not in r.stderr,
                f"{p.name}: exit {r.returncode} in {r.elapsed:.2f} s", r.stderr[:400])
    c.check(len(files) >= 10, f"{len(files)} saved inputs replayed")


GROUPS = {f.__name__: f for f in (hostile_input, fuzz_crashes_replay, many_shells,
                                  check_and_interrupts)}

if __name__ == "__main__":
    sys.exit(run_groups(GROUPS))
