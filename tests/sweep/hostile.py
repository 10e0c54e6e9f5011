#!/usr/bin/env python3
"""A hostile-input sweep of the scorefield binary: about 2,400 cases of bad arguments, damaged
files, numeric extremes, full disks and writers killed mid-write, each run with a 60 s time limit
and watched for memory above 3 GiB. Every case is classified:

  ok       exit 0, and every text file it wrote holds only finite numbers
  error    a non-zero exit with an `error: ...` message and no panic (for a damaged file, one
           that names the file)
  unclear  a non-zero exit whose message is not of that kind
  panic    a Rust panic (or exit status 101), or a crash by signal other than our own kill
  hang     still running after the time limit
  oom      resident memory above 3 GiB
  garbage  exit 0 but a written CSV/JSON holds NaN or inf
  lost     a file that existed before is damaged afterwards (full disk, kill -9)

    cargo build --release
    python3 tests/sweep/hostile.py [--bin target/release/scorefield] [--only field,sample]

Prints one line per failing case, then the table as JSON. Exits non-zero if any case is a
panic, hang, oom, garbage or lost. GPU cases (images ...) need an adapter (lavapipe will do).
"""
import argparse
import gzip
import itertools
import json
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TIME_LIMIT_S = 60
MEMORY_LIMIT = 3 << 30
NUMBERS = ["0", "-1", "1e308", "-1e308", "nan", "inf", "-inf", "1e-320", "4294967297",
           "18446744073709551615", "1e19", "1000000000", "", "abc", "1,2", "-0", "0.5", "1e6"]
REPO = Path(__file__).resolve().parents[2]


def rss_bytes(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_case(bin_path, args, cwd, fsize=None, kill_after=None, env_extra=None, wrapper=None):
    """Runs one case; returns (status, stdout, stderr) with status in exit/hang/oom/killed."""
    def limits():
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    env = dict(os.environ, SCOREFIELD_NO_GPU=os.environ.get("SCOREFIELD_NO_GPU", "0"), **(env_extra or {}))
    p = subprocess.Popen((wrapper or []) + [bin_path] + args, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=limits, env=env, start_new_session=True)
    peak = [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes(p.pid))
            if peak[0] > MEMORY_LIMIT:
                p.kill()
                return
            time.sleep(0.05)
    t = threading.Thread(target=watch, daemon=True)
    t.start()
    try:
        out, err = p.communicate(timeout=kill_after if kill_after else TIME_LIMIT_S)
        status = "exit"
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # the whole group: xvfb-run starts Xvfb beside the app
        out, err = p.communicate()
        status = "killed" if kill_after else "hang"
    done.set()
    if peak[0] > MEMORY_LIMIT:
        status = "oom"
    return status, p.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def non_finite(path):
    if path.suffix not in (".csv", ".json", ".txt") or not path.exists():
        return False
    text = path.read_text(errors="replace")
    for tok in text.replace(",", " ").replace(":", " ").replace("[", " ").replace("]", " ").split():
        tok = tok.strip('"{}')
        try:
            v = float(tok)
        except ValueError:
            continue
        if v != v or v in (float("inf"), float("-inf")):
            return True
    return False


def classify(status, code, out, err, outputs):
    if status in ("hang", "oom"):
        return status
    if "panicked" in err or code == 101:
        return "panic"
    if code is not None and code < 0:
        return "panic"  # killed by a signal we did not send (SIGSEGV, SIGABRT)
    if code == 0:
        if any(non_finite(p) for p in outputs) or non_finite_text(out):
            return "garbage"
        return "ok"
    return "error" if err.strip().startswith("error") else "unclear"


def non_finite_text(text):
    for tok in text.replace(",", " ").replace(":", " ").split():
        tok = tok.strip('"{}[]')
        if tok.lower() in ("nan", "inf", "-inf", "infinity"):
            return True
    return False


def whole_file(path):
    """A complete output: JSON that parses, or CSV whose rows all have the header's width and
    whose last line is complete."""
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            json.loads(data)
            return True
        except ValueError:
            return False
    if not data.endswith(b"\n"):
        return False
    lines = data.decode(errors="replace").splitlines()
    width = lines[0].count(",")
    return len(lines) > 1 and all(line.count(",") == width for line in lines)


# ---------------------------------------------------------------- the cases

def valid_files(work, bin_path):
    """Valid inputs to damage: made by the binary itself where it can."""
    files = {}
    (work / "mix.json").write_text(json.dumps({"components": [
        {"weight": 0.8, "mean": [-5, -5], "cov": [[1, 0], [0, 1]]},
        {"weight": 0.2, "mean": [5, 5], "cov": [[1, 0.3], [0.3, 1]]}]}))
    files["mixture"] = work / "mix.json"
    (work / "pts.csv").write_text("x,y\n" + "\n".join(f"{i*0.1},{-i*0.05}" for i in range(50)))
    files["points"] = work / "pts.csv"
    subprocess.run([bin_path, "train", "--preset", "ring8", "--objective", "ncsn", "--steps", "20",
                    "--batch", "32", "--hidden", "16,16", "--out", str(work / "m.json")],
                   check=True, capture_output=True)
    subprocess.run([bin_path, "train", "--preset", "ring8", "--objective", "ncsn", "--steps", "20",
                    "--batch", "32", "--hidden", "16,16", "--out", str(work / "m.safetensors")],
                   check=True, capture_output=True)
    files["model"] = work / "m.json"
    files["safetensors"] = work / "m.safetensors"
    session = {"format": "scorefield-session", "version": 1, "title": "t",
               "data": {"preset": "ncsn-two-modes"},
               "settings": {"particles": 200, "steps_per_level": 20, "levels": 5,
                            "sampler_a": "langevin", "sampler_b": "annealed-langevin"},
               "model": json.loads((work / "m.json").read_text())}
    (work / "s.json").write_text(json.dumps(session))
    files["session"] = work / "s.json"
    (work / "p.json").write_text(json.dumps({"format": "scorefield-playlist", "version": 1,
                                             "sessions": ["s.json", "lecture:tweedie"]}))
    files["playlist"] = work / "p.json"
    return files


def mutate_json(text, rng):
    try:
        doc = json.loads(text)
    except ValueError:
        return mutate_bytes(text.encode(), rng)
    nodes = []

    def walk(v, path):
        nodes.append(path)
        if isinstance(v, dict):
            for k, c in v.items():
                walk(c, path + [k])
        elif isinstance(v, list):
            for i, c in enumerate(v[:3]):
                walk(c, path + [i])
    walk(doc, [])
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(nodes)
        choice = rng.choice([1e308, -1e308, 0, -1, 4294967297, 18446744073709551615, 1e19,
                             100000, 1000000000, "", "x" * 5000, "/dev/zero", None, True, [],
                             {}, "NaN", 0.5, 2])
        if not path:
            continue
        parent = doc
        try:
            for k in path[:-1]:
                parent = parent[k]
            if rng.random() < 0.2 and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = choice
        except (KeyError, IndexError, TypeError):
            pass
    return json.dumps(doc).encode()


def mutate_bytes(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(max(len(b), 1))
        op = rng.randrange(4)
        if op == 0 and b:
            b[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            del b[at:]
        elif op == 2:
            b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif b:
            b[at:at] = b[at:at + 64] * 3
    return bytes(b)


def file_cases(files, work, rng, n_per_kind):
    """(kind, args, outputs) with damaged files."""
    uses = {
        "mixture": lambda p, o: ["field", "--mixture", p, "--sigma", "0.5", "--grid", "16", "--out", o],
        "points": lambda p, o: ["sample", "--points", p, "--sampler", "annealed-langevin", "--particles", "64",
                                "--steps", "10", "--levels", "3", "--out", o],
        "model": lambda p, o: ["field", "--model", p, "--preset", "ring8", "--sigma", "0.5", "--grid", "16", "--out", o],
        "safetensors": lambda p, o: ["sample", "--preset", "ring8", "--sampler", "ddim", "--steps", "10",
                                     "--particles", "32", "--score", "model:" + p, "--out", o],
        "session": lambda p, o: ["render", "--session", p, "--view", "samples", "--width", "320",
                                 "--height", "240", "--out", o],
        "playlist": None,
    }
    cases = []
    for kind, path in files.items():
        use = uses.get(kind)
        if use is None:
            continue
        data = path.read_bytes()
        for i in range(n_per_kind):
            bad = work / f"bad-{kind}-{i}{path.suffix}"
            if kind in ("mixture", "model", "session") and rng.random() < 0.7:
                bad.write_bytes(mutate_json(data.decode(), rng))
            else:
                bad.write_bytes(mutate_bytes(data, rng))
            out = work / f"out-{kind}-{i}{'.png' if kind == 'session' else '.csv'}"
            cases.append((f"file:{kind}", use(str(bad), str(out)), [out]))
    # Special files.
    for kind in ("mixture", "points", "model", "session"):
        for special in ("/dev/zero", "/dev/null", str(work), "/nonexistent/x"):
            out = work / f"out-special-{kind}.csv"
            cases.append((f"file:{kind}", uses[kind](special, str(out)), [out]))
    return cases


def idx_cases(work):
    cases = []
    def idx(name, header, body, gz=False):
        p = work / name
        raw = header + body
        p.write_bytes(gzip.compress(raw) if gz else raw)
        return p
    variants = [
        ("short", b"\x00\x00", b""),
        ("magic", b"\x01\x02\x08\x03", b""),
        ("dims", b"\x00\x00\x08\x03" + struct.pack(">III", 10, 28, 28), b"\x00" * 100),
        ("huge", b"\x00\x00\x08\x03" + struct.pack(">III", 4294967295, 65535, 65535), b"\x00" * 100),
        ("zero", b"\x00\x00\x08\x03" + struct.pack(">III", 0, 28, 28), b""),
        ("type", b"\x00\x00\x0d\x03" + struct.pack(">III", 1, 28, 28), b"\x00" * 3136),
        ("onepx", b"\x00\x00\x08\x03" + struct.pack(">III", 20, 1, 1), b"\x05" * 20),
    ]
    for name, header, body in variants:
        for gz in (False, True):
            p = idx(f"{name}{'.gz' if gz else ''}-images-idx3-ubyte", header, body, gz)
            out = work / f"ck-{name}-{gz}.ckpt"
            cases.append(("idx", ["images", "train", "--dataset", f"idx:{p}", "--arch", "mlp", "--hidden", "8",
                                  "--steps", "1", "--batch", "2", "--out", str(out)], [out]))
    # A gzip bomb: 2 GiB of zeros, compressed to about 2 MB.
    bomb = work / "bomb-images-idx3-ubyte.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(b"\x00\x00\x08\x03" + struct.pack(">III", 2_700_000, 28, 28))
        chunk = b"\x00" * (1 << 20)
        for _ in range(2048):
            f.write(chunk)
    cases.append(("idx", ["images", "train", "--dataset", f"idx:{bomb}", "--arch", "mlp", "--steps", "1",
                          "--out", str(work / "bomb.ckpt")], []))
    # PNG folders: empty, a non-PNG, a truncated PNG.
    for name, content in (("empty", None), ("text", b"not a png"), ("cut", b"\x89PNG\r\n\x1a\n\x00\x00")):
        d = work / f"png-{name}"
        d.mkdir(exist_ok=True)
        if content is not None:
            (d / "a.png").write_bytes(content)
        cases.append(("pngdir", ["images", "train", "--dataset", f"pngdir:{d}", "--arch", "mlp", "--steps", "1",
                                 "--out", str(work / f"png-{name}.ckpt")], []))
    return cases


def arg_cases(work):
    """Every numeric option of every subcommand, with each hostile value."""
    out = str(work / "o.csv")
    specs = [
        (["field", "--preset", "ring8", "--out", out], ["--sigma", "--abar", "--grid", "--xlim", "--ylim"],
         {"--sigma": "1"}),
        (["sample", "--preset", "ring8", "--sampler", "annealed-langevin", "--out", out],
         ["--particles", "--seed", "--eps", "--steps", "--levels", "--sigma-max", "--sigma-min", "--snr",
          "--escape", "--guidance-class", "--stride"], {"--particles": "64", "--steps": "5", "--levels": "3"}),
        (["sample", "--preset", "ring8", "--sampler", "ddim", "--out", out], ["--eta", "--steps", "--particles"],
         {"--particles": "64", "--steps": "10"}),
        (["sample", "--preset", "ring8", "--sampler", "langevin", "--out", out], ["--init", "--eps", "--steps"],
         {"--particles": "64", "--steps": "10"}),
        (["train", "--preset", "ring8", "--objective", "ncsn", "--out", str(work / "t.json")],
         ["--steps", "--batch", "--lr", "--clip", "--threads", "--levels", "--sigma-max", "--sigma-min",
          "--hidden", "--p-uncond", "--report-every", "--projections"], {"--steps": "3", "--batch": "16",
                                                                          "--hidden": "8"}),
        (["render", "--preset", "ring8", "--out", str(work / "r.png")], ["--sigma", "--width", "--height", "--scale"],
         {"--width": "320", "--height": "240"}),
        (["render", "--preset", "ring8", "--view", "compare", "--out", str(work / "r.pdf")],
         ["--width", "--height", "--scale"], {"--width": "320", "--height": "240"}),
        (["render", "--playlist", "lectures", "--format", "svg", "--out-dir", str(work / "slides")],
         ["--width", "--height", "--scale"], {"--width": "160", "--height": "120"}),
        (["animate", "--preset", "ring8", "--out", str(work / "a.gif")],
         ["--frames", "--fps", "--width", "--height", "--scale"],
         {"--frames": "3", "--width": "160", "--height": "120"}),
        (["images", "sample", "--ckpt", str(work / "img.ckpt"), "--out", str(work / "g.png")],
         ["--n", "--steps-per-level", "--step-ratio", "--cfg-scale", "--scale", "--seed"],
         {"--n": "4", "--steps-per-level": "2"}),
        (["images", "train", "--arch", "mlp", "--out", str(work / "it.ckpt")],
         ["--steps", "--batch", "--lr", "--levels", "--sigma-min", "--hidden", "--channels"],
         {"--steps": "1", "--batch": "4", "--hidden": "16"}),
    ]
    cases = []
    for base, options, defaults in specs:
        for opt, value in itertools.product(options, NUMBERS):
            args = list(base)
            for k, v in defaults.items():
                if k != opt:
                    args += [k, v]
            args += [f"{opt}={value}"]
            outs = [Path(a) for a in base if a.endswith((".csv", ".json"))]
            cases.append((f"arg:{base[0]}{'-' + base[1] if base[0] == 'images' else ''}", args, outs))
    return cases


def disk_cases(work, rng):
    """Writes cut short by a file-size limit, and writers killed mid-write: the file that was
    there before must survive whole."""
    cases = []
    for i in range(60):
        target = work / f"keep-{i}.csv"
        which = rng.randrange(3)
        if which == 2:
            target = target.with_suffix(".json")
        cmd = [
            ["field", "--preset", "ring8", "--sigma", "1", "--grid", "200", "--out", str(target)],
            ["sample", "--preset", "ring8", "--sampler", "annealed-langevin", "--particles", "20000",
             "--steps", "5", "--levels", "3", "--out", str(target)],
            ["train", "--preset", "ring8", "--objective", "ncsn", "--steps", "5", "--batch", "32",
             "--hidden", "256,256", "--out", str(target)],
        ][which]
        cases.append(("disk:full", cmd, [target], {"fsize": rng.choice([0, 100, 4096, 65536])}))
    for i in range(40):
        target = work / f"kill-{i}.csv"
        cmd = ["sample", "--preset", "ring8", "--sampler", "langevin", "--particles", "200000",
               "--steps", "30", "--out", str(target), "--trajectories", str(target.with_suffix(".traj.csv")),
               "--stride", "1"]
        cases.append(("disk:kill", cmd, [target], {"kill_after": rng.uniform(0.2, 3.0)}))
    return cases


def app_cases(files, work, rng, n):
    """The app under Xvfb, restoring a damaged autosave: it must start (and run for a few
    seconds) without a panic, whatever the file holds."""
    if shutil.which("xvfb-run") is None:
        return []
    session = files["session"].read_bytes()
    cases = []
    for i in range(n):
        data_home = work / f"app-{i}"
        (data_home / "scorefield").mkdir(parents=True, exist_ok=True)
        bad = mutate_json(session.decode(), rng) if rng.random() < 0.6 else mutate_bytes(session, rng)
        (data_home / "scorefield" / "autosave.json").write_bytes(bad)
        if rng.random() < 0.5:
            (data_home / "scorefield" / "autosave.prev.json").write_bytes(session)
        cases.append(("app:autosave", ["--autoplay"], [],
                      {"kill_after": 8.0, "env_extra": {"XDG_DATA_HOME": str(data_home)},
                       "wrapper": ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24"]}))
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "target/release/scorefield"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-kind", type=int, default=250)
    ap.add_argument("--only", default="", help="comma-separated case kinds (prefixes)")
    ap.add_argument("--app-cases", type=int, default=20)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = Path(tempfile.mkdtemp(prefix="scorefield-sweep-"))
    files = valid_files(work, a.bin)
    subprocess.run([a.bin, "images", "train", "--arch", "mlp", "--hidden", "16", "--steps", "2", "--batch", "4",
                    "--out", str(work / "img.ckpt")], capture_output=True)
    cases = [(k, args, outs, {}) for k, args, outs in arg_cases(work)]
    cases += [(k, args, outs, {}) for k, args, outs in file_cases(files, work, rng, a.per_kind)]
    cases += [(k, args, outs, {}) for k, args, outs in idx_cases(work)]
    cases += disk_cases(work, rng)
    cases += app_cases(files, work, rng, a.app_cases)
    if a.only:
        cases = [c for c in cases if any(c[0].startswith(p) for p in a.only.split(","))]
    table = {}
    t0 = time.time()
    for kind, args, outs, opts in cases:
        before = {}
        for p in outs:
            if kind.startswith("disk"):  # the file that must survive
                p.write_text('{"old": 1}' if p.suffix == ".json" else "x,y\n1,2\n")
            before[p] = p.read_bytes() if p.exists() else None
        status, code, out, err = run_case(a.bin, args, work, **opts)
        if kind == "disk:kill" and status == "killed":
            result = "error"  # our own kill; what counts is the file below
        elif kind.startswith("app") and status == "killed":
            result = "panic" if "panicked" in err else "ok"  # it ran until we closed it
        else:
            result = classify(status, code, out, err, outs)
        if kind.startswith("file:") and result == "error":
            # The message must name the damaged file (a path argument of the case).
            inputs = [x.split(":", 1)[-1] for x in args if "bad-" in x or x.startswith(("/dev/", "/nonexistent"))
                      or x == str(work) or x.startswith("model:")]
            if inputs and not any(i in err for i in inputs):
                result = "unclear"
        if kind.startswith("disk"):
            for p, old in before.items():
                if not p.exists() or not (p.read_bytes() == old or whole_file(p)):
                    result = "lost"
        row = table.setdefault(kind, {"cases": 0, "ok": 0, "error": 0, "unclear": 0, "panic": 0, "hang": 0,
                                      "oom": 0, "garbage": 0, "lost": 0})
        row["cases"] += 1
        row[result] += 1
        if result in ("panic", "hang", "oom", "garbage", "lost", "unclear"):
            print(f"{result}: scorefield {' '.join(args)}\n    {err.strip().splitlines()[-1] if err.strip() else ''}",
                  flush=True)
    total = {k: sum(r[k] for r in table.values()) for k in next(iter(table.values()))}
    print(json.dumps({"total": total, "by_kind": table, "seconds": round(time.time() - t0)}, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    bad = sum(total[k] for k in ("panic", "hang", "oom", "garbage", "lost"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
