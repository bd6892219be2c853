#!/usr/bin/env python3
"""Tabulate `make bench` (see bench/run.sh): nbdc beside nbd-client with
ratios, the goals checked, and the section put on top of results.md."""
import datetime, os, sys

bench, size_tls, size_notls, size_ref, rt_plain, rt_tls, qemu, out = sys.argv[1:9]
v = {}
for line in open(bench):
    p = line.split()
    if len(p) >= 4:
        v[(p[1], p[2])] = " ".join(p[3:])
kernel = v.get(("kernel", "version"), "?")

def num(c, k):
    try:
        return float(v[(c, k)])
    except (KeyError, ValueError):
        return None

def fmt(x, unit=""):
    if x is None:
        return "n/a"
    if x == int(x) and abs(x) < 1e6:
        return f"{int(x)}{unit}"
    if abs(x) < 10:
        return f"{x:.2f}{unit}"
    return (f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}") + unit

def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"

rows = []
def row(name, a, b, unit=""):
    rows.append(f"| {name} | {fmt(a, unit)} | {fmt(b, unit)} | {ratio(a, b)} |")

KiB = 1024.0
row("on-disk size, TLS build (KiB; nbd-client: binary + shared libraries)",
    int(size_tls) / KiB, int(size_ref) / KiB)
rows.append(f"| on-disk size, `TLS=0` build (KiB) | {int(size_notls) / KiB:.0f} | n/a | n/a |")
for mode, label in (("plain", "plain"), ("tls", "TLS")):
    row(f"time to ready, {label} (ms, median of 5)", num("nbdc", f"ready_{mode}"),
        num("nbd-client", f"ready_{mode}"))
for mode, label in (("plain", "plain"), ("tls", "TLS")):
    row(f"processes left after attach, {label}", num("nbdc", f"procs_{mode}"),
        num("nbd-client", f"procs_{mode}"))
    row(f"peak RSS of what is left, {label} (KiB)", num("nbdc", f"rss_{mode}"),
        num("nbd-client", f"rss_{mode}"))
for mode, label in (("plain", "plain"), ("tls", "TLS")):
    for d in ("write", "read"):
        row(f"32 MiB direct {d}, {label} (MB/s)", num("nbdc", f"{d}_{mode}"),
            num("nbd-client", f"{d}_{mode}"))
tls_ratio = {}
for d in ("write", "read"):
    for c in ("nbdc", "nbd-client"):
        a, b = num(c, f"{d}_tls"), num(c, f"{d}_plain")
        tls_ratio[(c, d)] = a / b if a and b else None
    rows.append(f"| TLS/plain {d} | {fmt(tls_ratio[('nbdc', d)])} | "
                f"{fmt(tls_ratio[('nbd-client', d)])} | "
                f"{ratio(tls_ratio[('nbdc', d)], tls_ratio[('nbd-client', d)])} |")
row("CPU of the client's processes during the TLS transfer (ms)",
    num("nbdc", "cpu_tls"), num("nbd-client", "cpu_tls"))
rows.append(f"| round trips after TCP connect, plain / TLS (protocol minimum 2 / 5) "
            f"| {rt_plain} / {rt_tls} | n/a | n/a |")

extra = [
    "nbdc for reference, other modes:",
    f"- TLS through the userspace pump (`--no-ktls`): write {fmt(num('nbdc', 'write_tlspump'))} MB/s, "
    f"read {fmt(num('nbdc', 'read_tlspump'))} MB/s, pump peak RSS {fmt(num('nbdc', 'rss_tlspump'))} KiB, "
    f"CPU {fmt(num('nbdc', 'cpu_tlspump'))} ms, ready {fmt(num('nbdc', 'ready_tlspump'))} ms",
    f"- `-p` (supervisor left behind): peak RSS {fmt(num('nbdc', 'rss_persist'))} KiB, "
    f"ready {fmt(num('nbdc', 'ready_persist'))} ms",
]

def goal(name, ok, detail):
    return f"- {'met' if ok else 'NOT met'}: {name} ({detail})"

left = [x for x in (num("nbdc", "rss_plain"), num("nbdc", "rss_tls"),
                    num("nbdc", "rss_persist"), num("nbdc", "rss_tlspump")) if x is not None]
goals = [
    goal("TLS at least 0.8x plaintext with kTLS",
         all(tls_ratio[("nbdc", d)] and tls_ratio[("nbdc", d)] >= 0.8 for d in ("write", "read")),
         f"write {fmt(tls_ratio[('nbdc', 'write')])}x, read {fmt(tls_ratio[('nbdc', 'read')])}x"),
    goal("static binary with TLS at most 144 KiB", int(size_tls) <= 144 * 1024,
         f"{int(size_tls) / KiB:.0f} KiB"),
    goal("static binary without TLS at most 72 KiB", int(size_notls) <= 72 * 1024,
         f"{int(size_notls) / KiB:.0f} KiB"),
    goal("peak RSS of any process left behind at most 256 KiB",
         max(left or [0]) <= 256,
         "largest " + fmt(max(left or [0])) + " KiB over plain, TLS, -p and --no-ktls; "
         f"plain and kTLS attaches leave {fmt(num('nbdc', 'procs_plain'))} and "
         f"{fmt(num('nbdc', 'procs_tls'))} processes"),
    goal("time to ready no slower than nbd-client",
         all((num("nbdc", f"ready_{m}") or 1e9) <= (num("nbd-client", f"ready_{m}") or 0)
             for m in ("plain", "tls")),
         f"plain {fmt(num('nbdc', 'ready_plain'))} vs {fmt(num('nbd-client', 'ready_plain'))} ms, "
         f"TLS {fmt(num('nbdc', 'ready_tls'))} vs {fmt(num('nbd-client', 'ready_tls'))} ms"),
]

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
section = "\n".join([
    f"## {now}",
    "",
    f"Guest kernel {kernel}; {qemu}; TCG, one vCPU (`-cpu max`); servers: nbdkit "
    "(memory plugin) on the host's 127.0.0.1, seen as 10.0.2.2.",
    "",
    "| figure | nbdc | nbd-client | nbdc/nbd-client |",
    "|---|---|---|---|",
    *rows,
    "",
    *extra,
    "",
    "Goals:",
    *goals,
    "",
])
print(section)
head = "# Benchmark results\n\nWritten by `make bench` (bench/run.sh); newest first.\n\n"
old = ""
if os.path.exists(out):
    old = open(out).read()
    old = old[len(head):] if old.startswith(head) else old
# The size history stays on top, one row more per run.
SIZES = "## Size history"
sizes, rest = "", old
if old.startswith(SIZES):
    end = old.find("\n## ", 1)
    sizes, rest = (old, "") if end < 0 else (old[:end + 1], old[end + 1:])
if not sizes:
    sizes = (f"{SIZES}\n\nStripped static binaries, bytes (budgets: 147456 with TLS, "
             "73728 with `TLS=0`).\n\n| date | architecture | TLS | `TLS=0` |\n|---|---|---|---|\n")
sizes = sizes.rstrip("\n") + f"\n| {now} | {os.uname().machine} | {size_tls} | {size_notls} |\n\n"
open(out, "w").write(head + sizes + section + "\n" + rest)
