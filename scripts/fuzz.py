#!/usr/bin/env python3
"""Mutation fuzzer for the `conic` readers (issue 15).

Mutates seed files for each reader (QPS, SDPA, CBF plain and gzip, CSV, network JSON, npz), adds the hand-made
traps of issue 15 (Int.max cone sizes, memory-bomb headers, an 8 GiB gzip, 2·10⁵ features, a
stray label, 1e308 weights), runs
the release `conic` binary on every case under a per-case timeout and an address-space cap, and
classifies the outcome:

  error    exit 1 with a message on standard error (bad input reported cleanly)
  success  exit 0
  crash    killed by a signal or a Swift runtime trap ("Fatal error", "Illegal instruction")
  hang     still running at the timeout
  oom      an allocation failure ("failed to allocate", "Cannot allocate memory", bad_alloc)
  other    any other exit code

The run is reproducible from --seed. Cases whose outcome is crash, hang, oom or other are kept
(input file and standard error) under --keep for replay. Not part of `swift test`.

Usage:
  swift build -c release
  python3 scripts/fuzz.py --cases 6000 --jobs 2 --timeout 10 --memory 4G --seed 1
"""
import argparse
import gzip
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(os.path.dirname(ROOT)), "shared", "data")
if not os.path.isdir(DATA):
    DATA = "/work/shared/data"

# Numbers that have broken readers before: sizes near Int.max and Int32.max, memory-bomb sizes,
# extreme and non-finite reals.
INTERESTING = [
    "0", "-1", "1", "2", "-2", "3", "65535", "65536", "14141", "23169", "23170", "46341",
    "100000000", "268435456", "-268435456", "2147483647", "2147483648", "4294967296",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "99999999999999999999",
    "1e308", "-1e308", "1e-308", "4.9e-324", "1e309", "nan", "NaN", "inf", "-inf", "Infinity",
    "1e15", "1e16", "0.5", "-0.0", "1.5e8", "1e12", "1e-12", "",
]

NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def perturb(token: bytes, rng: random.Random) -> bytes:
    """A nearby number: scaled by a power of ten, negated, or moved by one."""
    try:
        value = float(token)
    except ValueError:
        return token
    choice = rng.random()
    if choice < 0.4:
        value *= 10.0 ** rng.choice([-12, -8, -4, -1, 1, 2, 4, 8, 12])
    elif choice < 0.6:
        value = -value
    elif b"." in token or b"e" in token.lower():
        value += rng.choice([-1.0, 1.0]) * rng.random()
    else:
        return str(int(value) + rng.choice([-1, 1, 2])).encode()
    return repr(value).encode()


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """Either gentle (one to three numbers moved: the file stays well formed, so the solver and
    trainers run on odd data) or rough (one to four edits: interesting numbers, byte flips,
    chunk deletion and duplication, line shuffles, truncation)."""
    if rng.random() < 0.4:
        data = bytearray(data)
        spans = [m.span() for m in NUMBER.finditer(data)]
        for _ in range(rng.randint(1, 3)):
            if not spans:
                break
            a, b = spans.pop(rng.randrange(len(spans)))
            data[a:b] = perturb(bytes(data[a:b]), rng)
            spans = [m.span() for m in NUMBER.finditer(data)]
        return bytes(data)
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.35:
            spans = [m.span() for m in NUMBER.finditer(data)]
            if spans:
                a, b = rng.choice(spans)
                data[a:b] = rng.choice(INTERESTING).encode()
                continue
        if kind < 0.45 and data:
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        elif kind < 0.55 and data:
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
        elif kind < 0.65 and data:
            a = rng.randrange(len(data))
            b = min(len(data), a + rng.randint(1, 64))
            del data[a:b]
        elif kind < 0.75 and data:
            a = rng.randrange(len(data))
            b = min(len(data), a + rng.randint(1, 64))
            data[a:a] = data[a:b] * rng.randint(1, 4)
        elif kind < 0.85:
            lines = bytes(data).split(b"\n")
            if len(lines) > 2:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                if rng.random() < 0.5:
                    lines[i], lines[j] = lines[j], lines[i]
                else:
                    lines.insert(i, lines[j])
                data = bytearray(b"\n".join(lines))
        elif kind < 0.92 and data:
            data = data[: rng.randrange(len(data))]
        else:
            i = rng.randrange(len(data) + 1)
            data[i:i] = rng.choice([b" ", b"\n", b"\t", b",", b"#", b"*", b"-", b"{", b"\x00", b"\xff",
                                     rng.choice(INTERESTING).encode()])
    return bytes(data)


def mutate_npz_entry(archive: bytes, rng: random.Random) -> bytes:
    """Mutates one .npy entry inside the archive and zips it again with valid CRCs, so that the
    npy header and data parser are reached (raw byte edits mostly stop at the CRC check)."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    k = rng.randrange(len(entries))
    entries[k] = (entries[k][0], mutate_bytes(entries[k][1], rng))
    buffer = io.BytesIO()
    method = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    with zipfile.ZipFile(buffer, "w", method) as target:
        for name, data in entries:
            target.writestr(name, data)
    return buffer.getvalue()


def hostile_cases():
    """The hand-made traps of issue 15, run once each: (reader, suffix, bytes, extra args)."""
    wide = ("".join(f"{i % 10}," for i in range(200_000)) + "1\n").encode()
    cases = [
        ("cbf", ".cbf", b"VER\n3\nVAR\n1 2\nF 1\nF 9223372036854775807\n"),
        ("cbf", ".cbf", b"VER\n3\nVAR\n100000000 1\nL+ 100000000\n"),
        ("cbf", ".cbf", b"VER\n3\nVAR\n1 1\nF 1\nPSDVAR\n1\n14141\n"),
        ("cbf", ".cbf", b"VER\n3\nVAR\n1 1\nF 1\nPSDCON\n2\n10000\n10000\n"),
        ("cbf", ".cbf", b"VER\n3\nVAR\n1 1\nF 1\nPSDCON\n2\n5000\n5000\n"),
        ("sdpa", ".dat-s", b"1\n1\n-268435456\n1\n"),
        ("sdpa", ".dat-s", b"1\n1\n23169\n1\n"),
        ("sdpa", ".dat-s", b"1\n1\n-9223372036854775808\n1\n"),
        # 2·10⁵ features, two samples: a legitimately large program (4·10⁵ variables) whose solve
        # takes 5–20 s on a loaded machine, so it runs under the long timeout.
        ("csv", ".csv", wide + wide.replace(b"1\n", b"0\n"), "long"),
        ("json", ".json", b'{"W1": [[1e308]], "w2": [1e308]}'),
        ("json", ".json", b'{"W1": [[1e200], [1]], "w2": [1e200, 1]}'),
    ]
    # A gzip that expands to 8 GiB, written in streamed blocks of a compressed 16 MiB comment.
    block = b" " * (1 << 24)
    stream = io.BytesIO()
    with gzip.GzipFile(fileobj=stream, mode="wb", compresslevel=9) as g:
        g.write(b"VER\n3\n#")
        for _ in range(512):
            g.write(block)
        g.write(b"\n")
    cases.append(("cbf", ".cbf.gz", stream.getvalue()))
    return cases


# MARK: Seeds


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def small_files(directory, suffix, limit, max_bytes):
    if not os.path.isdir(directory):
        return []
    names = [n for n in os.listdir(directory) if n.endswith(suffix)]
    names.sort(key=lambda n: os.path.getsize(os.path.join(directory, n)))
    return [os.path.join(directory, n) for n in names[:limit] if os.path.getsize(os.path.join(directory, n)) <= max_bytes]


def seeds(workdir):
    """(reader, file suffix, seed bytes) triples."""
    out = []
    for path in small_files(os.path.join(DATA, "maros-meszaros"), ".SIF", 10, 20_000):
        out.append(("qps", ".qps", read(path)))
    out.append(("qps", ".qps", read(os.path.join(ROOT, "Examples", "portfolio.qps"))))
    out.append(("qps", ".qps", b"NAME T\nROWS\n N obj\n G c1\n E c2\nCOLUMNS\n x1 obj 1 c1 1\n x2 obj 1 c1 1\n"
                               b" x2 c2 1\nRHS\n rhs c1 1 c2 0.5\nRANGES\n rng c1 2\nBOUNDS\n UP bnd x1 4\n MI bnd x2\n"
                               b"QUADOBJ\n x1 x1 2\n x1 x2 0.5\nENDATA\n"))
    for path in small_files(os.path.join(DATA, "sdplib"), ".dat-s", 4, 60_000):
        out.append(("sdpa", ".dat-s", read(path)))
    out.append(("sdpa", ".dat-s", b"2\n2\n2 -2\n1 1\n0 1 1 1 1\n1 1 1 2 1\n2 1 2 2 1\n1 2 1 1 1\n2 2 2 2 1\n"))
    for path in small_files(os.path.join(DATA, "cblib"), ".cbf.gz", 40, 4_000):
        out.append(("cbf", ".cbf", read(path)))
    out.append(("cbf", ".cbf", b"VER\n3\nOBJSENSE\nMIN\nPSDVAR\n1\n2\nVAR\n3 2\nL+ 1\nQ 2\nCON\n2 2\nL= 1\nL+ 1\n"
                               b"OBJFCOORD\n2\n0 0 0 1\n0 1 1 1\nOBJACOORD\n1\n0 1\nFCOORD\n1\n0 0 1 0 1\n"
                               b"ACOORD\n3\n0 0 1\n1 1 1\n1 2 1\nBCOORD\n2\n0 -1\n1 -2\n"))
    # Exponential and power cones (CBF 4: POWCONES / POW*CONES, EXP, EXP*, @k:POW, @k:POW*).
    out.append(("cbf", ".cbf", b"VER\n4\nPOWCONES\n1 2\n2\n1.0\n3.0\nPOW*CONES\n1 2\n2\n3.0\n1.0\n"
                               b"OBJSENSE\nMAX\nVAR\n1 1\nF 1\nCON\n12 4\nEXP 3\n@0:POW 3\n@0:POW* 3\nEXP* 3\n"
                               b"OBJACOORD\n1\n0 1.0\nACOORD\n1\n2 0 1.0\nBCOORD\n10\n0 2.718281828459045\n1 1.0\n"
                               b"3 1.0\n4 1.0\n5 0.5\n6 1.0\n7 1.0\n9 1.0\n10 1.0\n11 -1.0\n"))
    fig2 = read(os.path.join(ROOT, "Examples", "icml2020-fig2.csv"))
    rng = random.Random(7)
    three = "a,b,c,y\n" + "".join(
        f"{rng.gauss(0, 1):.4f},{rng.gauss(0, 1):.4f},{rng.gauss(0, 1):.4f},{rng.choice([0, 1])}\n" for _ in range(12))
    out.append(("csv", ".csv", fig2))
    out.append(("csv", ".csv", three.encode()))
    out.append(("csv", ".txt", b"1 2 0.5\n3 4 1.5\n-1 0 2.5\n2 2 0\n"))
    networks = [
        {"W1": [[1.0], [-2.0]], "w2": [0.5, -1.0]},
        {"W1": [[1.0, 0.5], [-2.0, 0.25]], "w2": [0.5, -1.0], "bias": True},
        {"W1": [[1.0], [-0.5], [3.0]], "w2": [[0.5], [1.0], [-0.25]], "bias": False, "bias_regularized": True},
    ]
    for net in networks:
        out.append(("json", ".json", json.dumps(net).encode()))
    try:
        import numpy as np
        for net, compress in [(networks[0], False), (networks[1], True), (networks[2], False)]:
            buffer = io.BytesIO()
            arrays = {"W1": np.array(net["W1"]), "w2": np.array(net["w2"])}
            if "bias" in net:
                arrays["bias"] = np.array(net["bias"])
            (np.savez_compressed if compress else np.savez)(buffer, **arrays)
            out.append(("npz", ".npz", buffer.getvalue()))
    except ImportError:
        print("numpy not found: no npz seeds", file=sys.stderr)
    # The fixed data set the network cases are certified on (one feature, as the networks).
    data_path = os.path.join(workdir, "network-data.csv")
    with open(data_path, "wb") as f:
        f.write(fig2)
    return out, data_path


# MARK: Running


def limit_memory(bytes_):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (bytes_, bytes_))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


OOM_MARKS = ("failed to allocate", "Cannot allocate memory", "bad_alloc", "out of memory", "OpenBLAS : Program will terminate")
CRASH_MARKS = ("Fatal error", "Illegal instruction", "Segmentation fault", "Crash", "Backtrace")


def classify(returncode, stderr, timed_out):
    if timed_out:
        return "hang"
    if any(m in stderr for m in OOM_MARKS):
        return "oom"
    if returncode < 0 or returncode >= 128 or any(m in stderr for m in CRASH_MARKS):
        return "crash"
    if returncode == 0:
        return "success"
    if returncode == 1 and stderr.strip():
        return "error"
    return "other"


def command(binary, reader, path, data_path, rng, fixed=False):
    if reader in ("qps", "sdpa", "cbf"):
        return [binary, "solve", path]
    if reader == "csv":
        extra = [] if fixed else rng.choice([[], ["--bias"], ["--loss", "hinge"], ["--standardize"]])
        return [binary, "nn", "train", "--data", path, "--beta", "0.1", "--patterns", "5"] + extra
    return [binary, "nn", "certify", "--network", path, "--data", data_path, "--beta", "0.1", "--patterns", "5"]


def run_case(args, binary, workdir, data_path, index, reader, suffix, seed_bytes, long=False, fixed=False):
    rng = random.Random(args.seed * 1_000_003 + index)
    mutated = seed_bytes if fixed else mutate_bytes(seed_bytes, rng)
    if not fixed and reader == "cbf" and rng.random() < 0.2:
        suffix = ".cbf.gz"
        mutated = gzip.compress(mutated)
        if rng.random() < 0.3:  # damage the compressed stream itself
            mutated = mutate_bytes(mutated, rng)
    if not fixed and reader == "npz" and rng.random() < 0.7:
        mutated = mutate_npz_entry(seed_bytes, rng)
    if not fixed and reader == "csv" and rng.random() < 0.1:
        suffix = ".csv.gz"
        mutated = gzip.compress(mutated)
    path = os.path.join(workdir, f"case{index}{suffix}")
    with open(path, "wb") as f:
        f.write(mutated)
    cmd = command(binary, reader, path, data_path, rng, fixed)
    started = time.time()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    try:
        timeout = args.long_timeout if long else args.timeout
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout,
                              preexec_fn=limit_memory(args.memory_bytes), env=env)
        outcome = classify(proc.returncode, proc.stderr.decode("utf-8", "replace"), False)
        stderr, code = proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as expired:
        outcome, stderr, code = "hang", expired.stderr or b"", None
    elapsed = time.time() - started
    message = stderr.decode("utf-8", "replace").strip().splitlines()
    message = message[-1][:160] if message else ""
    if outcome in ("crash", "hang", "oom", "other"):
        os.makedirs(args.keep, exist_ok=True)
        kept = os.path.join(args.keep, f"{outcome}-{reader}-{index}{suffix}")
        shutil.copy(path, kept)
        with open(kept + ".log", "wb") as f:
            f.write((" ".join(cmd) + f"\nexit: {code}\n").encode() + stderr)
    os.remove(path)
    return reader, outcome, elapsed, message


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "conic"))
    parser.add_argument("--cases", type=int, default=6000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--long-timeout", type=float, default=60,
                        help="timeout for the hand-made cases that are large but legitimate problems")
    parser.add_argument("--memory", default="4G", help="address-space cap per case (prlimit/ulimit -v)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", default=os.path.join(tempfile.gettempdir(), "conic-fuzz-findings"))
    parser.add_argument("--json", help="write the counts as JSON to this file")
    args = parser.parse_args()
    args.memory_bytes = parse_size(args.memory)
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no binary at {args.binary}; run `swift build -c release` first")

    workdir = tempfile.mkdtemp(prefix="conic-fuzz-")
    seed_list, data_path = seeds(workdir)
    readers = sorted({r for r, _, _ in seed_list})
    by_reader = {r: [(s, b) for rr, s, b in seed_list if rr == r] for r in readers}
    plan = []
    for index in range(args.cases):
        reader = readers[index % len(readers)]
        suffix, seed_bytes = random.Random(args.seed * 7919 + index).choice(by_reader[reader])
        plan.append((index, reader, suffix, seed_bytes))

    hostile = [(args.cases + k, case[0], case[1], case[2], len(case) > 3)
               for k, case in enumerate(hostile_cases())]

    counts = {r: {} for r in readers}
    started = time.time()
    done = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_case, args, args.binary, workdir, data_path, *case) for case in plan]
        futures += [pool.submit(run_case, args, args.binary, workdir, data_path, *case, fixed=True) for case in hostile]
        hostile_results = []
        messages = {r: {} for r in readers}
        for position, future in enumerate(futures):
            reader, outcome, elapsed, message = future.result()
            counts[reader][outcome] = counts[reader].get(outcome, 0) + 1
            if position >= len(plan):
                hostile_results.append((reader, outcome, elapsed, message))
            elif outcome == "error":
                # The message with its numbers and paths blurred, to see which checks fire.
                key = re.sub(r"/\S*case\d+\.\S+?(?=[:\s']|$)", "FILE", message)
                key = re.sub(r"[-+]?\d[\d.eE+-]*", "N", key)[:110]
                messages[reader][key] = messages[reader].get(key, 0) + 1
            done += 1
            if done % 500 == 0:
                print(f"{done}/{len(futures)} cases, {time.time() - started:.0f} s", file=sys.stderr)
    shutil.rmtree(workdir, ignore_errors=True)

    outcomes = ["error", "success", "crash", "hang", "oom", "other"]
    print(f"{'reader':8} " + " ".join(f"{o:>8}" for o in outcomes) + f" {'total':>8}")
    totals = {o: 0 for o in outcomes}
    for r in readers:
        row = counts[r]
        for o in outcomes:
            totals[o] += row.get(o, 0)
        print(f"{r:8} " + " ".join(f"{row.get(o, 0):>8}" for o in outcomes) + f" {sum(row.values()):>8}")
    print(f"{'all':8} " + " ".join(f"{totals[o]:>8}" for o in outcomes) + f" {sum(totals.values()):>8}")
    print("\nhand-made traps:")
    for reader, outcome, elapsed, message in hostile_results:
        print(f"  {reader:5} {outcome:8} {elapsed:6.1f} s  {message[:150]}")
    print(f"{time.time() - started:.0f} s; findings (if any) in {args.keep}")
    if args.json:
        with open(args.json, "w") as f:
            top = {r: sorted(m.items(), key=lambda kv: -kv[1])[:15] for r, m in messages.items()}
            json.dump({"counts": counts, "seconds": round(time.time() - started),
                       "hand_made": hostile_results, "top_error_messages": top}, f, indent=1)
    bad = totals["crash"] + totals["hang"] + totals["oom"] + totals["other"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
