#!/usr/bin/python3
"""Extends the shipped n,k tables (data/materials) from ~1000 nm to the near infrared, from the
same sources they were converted from (refractiveindex.info database, CC0, commit ff11b589), and
writes ITO_Minenkov.csv, a single ITO film measured over 191-1689 nm (issue 21 item 16).

    scripts/extend_material_tables.py /path/to/refractiveindex.info-database [--to-nm 2800]

Ag, Al (Rakic 1998 tables) and LiF (Li 1976 formula) reach 2800 nm, covering the NIR lines of the
shipped ions up to Er 4I11/2 -> 4I13/2 at 2700 nm; N-BK7 reaches 2500 nm (its formula's range).

The rows below the current last wavelength are left exactly as they are, so every result of
the visible range is unchanged. Organic layers (TAPC, TPBi, CzPPOA) are assumed constants with no
data set in the database: they are not extended (relsim refuses them beyond 1000 nm)."""
import argparse
import math
import pathlib
import re
import subprocess

SRC = pathlib.Path(__file__).resolve().parents[1] / "data" / "materials"
NOTE = ("# Rows beyond ~1000 nm added from the same source by scripts/extend_material_tables.py (issue 21 "
        "item 16); the rows below are unchanged.")


def yml(repo, path):
    return subprocess.run(["git", "-C", str(repo), "show", "HEAD:" + path], check=True, capture_output=True,
                          text=True).stdout


def tabulated(text, kind="tabulated nk"):
    block = text.split("type: " + kind, 1)[1].split("data: |", 1)[1]
    rows = []
    for line in block.splitlines()[1:]:
        if not re.match(r"^\s+[0-9]", line):
            break
        rows.append([float(x) for x in line.split()])
    return rows


def read_table(name):
    lines = (SRC / name).read_text().splitlines()
    head = [l for l in lines if l.startswith("#") or l.startswith("wavelength")]
    data = [l for l in lines if l and not l.startswith("#") and not l.startswith("wavelength")]
    return head, data


def row(wl, n, k):
    return f"{wl:.2f},{n:.5f},{0 if k == 0 else float(f'{k:.5g}'):.5g}" if k != 0 else f"{wl:.2f},{n:.5f},0"


def extend_tabulated(repo, name, path, to_nm):
    head, data = read_table(name)
    last = float(data[-1].split(",")[0])
    rows = [(1000 * um, n, k) for um, n, k in tabulated(yml(repo, path))]
    new = []
    for r in rows:
        if r[0] > last + 0.5:
            new.append(row(*r))
            if r[0] >= to_nm:  # the first point at or past the end
                break
    head = [h.replace("between ~300 and ~1000 nm", f"between ~300 and ~{int(to_nm)} nm") for h in head]
    head.insert(-1, NOTE)
    (SRC / name).write_text("\n".join(head + data + new) + "\n")
    return len(new)


def extend_formula(name, n_of, k_of, to_nm):
    head, data = read_table(name)
    last = float(data[-1].split(",")[0])
    new = []
    wl = last + 10
    while wl <= to_nm + 1e-9:
        new.append(row(wl, n_of(wl / 1000), k_of(wl / 1000)))
        wl += 10
    head.insert(-1, NOTE)
    (SRC / name).write_text("\n".join(head + data + new) + "\n")
    return len(new)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("database")
    ap.add_argument("--to-nm", type=float, default=2800.0,
                    help="end of the metal and LiF tables (N-BK7: at most 2500 nm, its formula's range)")
    a = ap.parse_args()
    repo, to = a.database, a.to_nm
    print("Ag", extend_tabulated(repo, "Ag.csv", "database/data/main/Ag/nk/Rakic-LD.yml", to))
    print("Al", extend_tabulated(repo, "Al.csv", "database/data/main/Al/nk/Rakic-LD.yml", to))

    def lif(l):  # H. H. Li (1976), as in the file's header
        return math.sqrt(1 + 0.92549 * l * l / (l * l - 0.07376 ** 2) + 6.96747 * l * l / (l * l - 32.790 ** 2))
    print("LiF", extend_formula("LiF.csv", lif, lambda l: 0.0, to))

    bk7 = yml(repo, "database/data/specs/schott/optical/N-BK7.yml")
    c = [float(x) for x in bk7.split("coefficients:", 1)[1].splitlines()[0].split()]
    ktab = tabulated(bk7, "tabulated k")

    def bk7_n(l):  # formula 2: n^2 = 1 + C0 + sum B l^2 / (l^2 - C)
        return math.sqrt(1 + c[0] + sum(c[i] * l * l / (l * l - c[i + 1]) for i in (1, 3, 5)))

    def bk7_k(l):  # linear between the catalogue's points, as below 1000 nm
        for (l0, k0), (l1, k1) in zip(ktab, ktab[1:]):
            if l0 <= l <= l1:
                return k0 + (l - l0) / (l1 - l0) * (k1 - k0)
        raise ValueError(l)
    print("glass", extend_formula("glass.csv", bk7_n, bk7_k, min(to, 2500.0)))

    path = "database/data/other/mixed crystals/In2O3-SnO2/nk/Minenkov-glass.yml"
    rows = tabulated(yml(repo, path))
    head = ["# Indium tin oxide, 110 nm film on glass (Xinyan Technology XY15S), spectroscopic ellipsometry:",
            "# A. Minenkov, S. Hollweger, J. Duchoslav, O. Erdene-Ochir, M. Weise, E. Ermilova, A. Hertwig, M. Schiek,",
            "# ACS Appl. Mater. Interfaces 16, 9517 (2024), doi:10.1021/acsami.3c17923.",
            "# Converted for relsim from the refractiveindex.info database (public domain, CC0; github.com/polyanskiy/"
            "refractiveindex.info-database, commit ff11b589), file " + path + ".",
            "# Original tabulated points between 191 and 1689 nm (micrometres converted to nm); linear interpolation in relsim.",
            "# One film over the whole range (visible and NIR): use it for NIR devices; ITO.csv (Koenig 2014) ends at",
            "# 998 nm. The two films differ (at 1000 nm n 1.216 / k 0.071 here, 1.309 / 0.013 there): ITO's NIR",
            "# indices depend on its carrier density; use measured n,k of the actual film where it matters.",
            "wavelength_nm,n,k"]
    (SRC / "ITO_Minenkov.csv").write_text("\n".join(head + [row(1000 * u, n, k) for u, n, k in rows]) + "\n")
    print("ITO_Minenkov", len(rows))


if __name__ == "__main__":
    main()
