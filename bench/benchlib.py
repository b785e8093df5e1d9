"""Shared helpers for the TuneLab benchmarks (Python 3 standard library only).

Runs `tunelab run SPEC --db DB --quiet` as a child process and measures, for that one engine process:
  wall_s      from just before the fork to the moment the process exits (seen with waitid(WNOWAIT), before reaping)
  engine_cpu  utime + stime of the engine process itself (all its threads, NOT its trial children), read from
              /proc/PID/stat while the exited process is still a zombie, so nothing at the tail is missed
  trials_cpu  cutime + cstime of the same process: CPU of the trial processes it started and reaped
"""

import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_times(pid):
    """(utime+stime, cutime+cstime) of pid in seconds, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read().decode()
    # The command name (field 2) may contain spaces: split after its closing parenthesis.
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / CLK_TCK, (cutime + cstime) / CLK_TCK


class ThreadSampler:
    """Samples the CPU time of each thread of a process every period seconds; keeps the last reading per thread.

    The engine has its main thread (event loop, trial start, report parsing) and a database writer thread; the last
    reading of each is taken at most one period before the thread ends, so the split is approximate."""

    def __init__(self, period=0.05):
        self.period = period
        self.last = {}  # tid -> cpu seconds
        self.pid = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def start(self, pid):
        self.pid = pid
        self.thread.start()

    def loop(self):
        while not self.stop.is_set():
            try:
                for tid in os.listdir(f"/proc/{self.pid}/task"):
                    try:
                        self.last[int(tid)] = proc_times(f"{self.pid}/task/{tid}")[0]
                    except (OSError, ValueError):
                        pass
            except OSError:
                pass
            self.stop.wait(self.period)

    def finish(self):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()
        main = self.last.get(self.pid, 0.0)
        others = sum(v for k, v in self.last.items() if k != self.pid)
        return main, others


def run_engine(tunelab, spec, workdir, name="study", timeout_s=900, on_start=None):
    """Write spec to workdir/NAME.json, run the study, return a dict of measurements and the db path.

    on_start(pid), if given, is called right after the engine process is started."""
    spec_path = os.path.join(workdir, name + ".json")
    db_path = os.path.join(workdir, name + ".db")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    log_path = os.path.join(workdir, name + ".log")
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        p = subprocess.Popen([tunelab, "run", spec_path, "--db", db_path, "--quiet"], stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL, cwd=workdir)
        if on_start:
            on_start(p.pid)
        timed_out = threading.Event()

        def on_timeout():
            timed_out.set()
            p.kill()

        killer = threading.Timer(timeout_s, on_timeout)
        killer.start()
        try:
            # Block until it exits, without reaping it, so /proc/PID/stat can still be read.
            os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): take the engine (and so its trials) down too
            p.kill()
            p.wait()
            raise
        finally:
            killer.cancel()
        wall = time.perf_counter() - t0
        engine_cpu, trials_cpu = proc_times(p.pid)
        rc = p.wait()
    if timed_out.is_set():
        raise RuntimeError(f"tunelab run did not finish within {timeout_s} s (log: {log_path})")
    if rc != 0:
        with open(log_path, errors="replace") as f:
            sys.stderr.write(f.read()[-4000:])
        raise RuntimeError(f"tunelab run exited with status {rc}")
    return {"wall_s": wall, "engine_cpu_s": engine_cpu, "trials_cpu_s": trials_cpu, "db": db_path}


def engine_elapsed(tunelab, db_path):
    """The study's elapsed_s as the engine recorded it (`tunelab show DB --json`)."""
    out = subprocess.run([tunelab, "show", db_path, "--json"], check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)["study"]["elapsed_s"])


def verify_db(db_path, trials, reports_per_trial):
    """Check that every trial completed and every result was persisted; return (results, completed)."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        results = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        completed = con.execute("SELECT COUNT(*) FROM trials WHERE status = 'completed'").fetchone()[0]
        total = con.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
        short = con.execute("SELECT COUNT(*) FROM (SELECT trial_id, COUNT(*) AS n FROM results GROUP BY trial_id) "
                            "WHERE n != ?", (reports_per_trial,)).fetchone()[0]
    finally:
        con.close()
    want = trials * reports_per_trial
    problems = []
    if results != want:
        problems.append(f"results table has {results} rows, expected {want}")
    if completed != trials or total != trials:
        problems.append(f"{completed} of {total} trials completed, expected {trials} of {trials}")
    if short:
        problems.append(f"{short} trials do not have exactly {reports_per_trial} results")
    if problems:
        raise RuntimeError(f"{db_path}: " + "; ".join(problems))
    return results, completed


class Workspace:
    """One temporary directory for a whole benchmark, removed however the script ends.

    Each run gets a fresh subdirectory; everything is deleted at the end rather than between repetitions: on an
    ext4 file system without a journal (this machine's /), creating inodes right after thousands were deleted
    is much slower (the kernel's recently_deleted() scan), which would make each repetition pay for the cleanup
    of the one before. BENCH_TMPDIR chooses where it lives (default: the system temporary directory);
    KEEP_BENCH_TMP=1 keeps it.
    """

    def __init__(self, prefix):
        base = os.environ.get("BENCH_TMPDIR") or None
        self.path = tempfile.mkdtemp(prefix=prefix, dir=base)
        self.count = 0
        # SIGTERM/SIGHUP end the script through SystemExit, so the finally-clause still cleans up.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    def subdir(self, name):
        self.count += 1
        d = os.path.join(self.path, f"{self.count:03d}-{name}")
        os.mkdir(d)
        return d

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if os.environ.get("KEEP_BENCH_TMP") == "1":
            sys.stderr.write(f"# kept {self.path}\n")
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


def filesystem_of(path):
    """'TYPE on MOUNTPOINT' for the file system holding path (from /proc/self/mounts)."""
    path = os.path.realpath(path)
    best = ("?", "?")
    try:
        with open("/proc/self/mounts") as f:
            for line in f:
                parts = line.split()
                mnt, fstype = parts[1], parts[2]
                if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best[1]):
                    best = (fstype, mnt)
    except OSError:
        pass
    return f"{best[0]} on {best[1]}"


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def median(xs):
    return statistics.median(xs)


def fmt_list(xs, digits=3):
    return "[" + ",".join(f"{x:.{digits}f}" for x in xs) + "]"


def note(msg):
    """Per-repetition detail goes to stderr; the figures (one line each) go to stdout."""
    sys.stderr.write("# " + msg + "\n")
    sys.stderr.flush()


def resolve_tunelab(argv):
    if len(argv) < 2:
        sys.exit(f"usage: {argv[0]} PATH/TO/tunelab [options]")
    path = os.path.abspath(argv[1])
    if not os.access(path, os.X_OK):
        sys.exit(f"{argv[0]}: {path} is not an executable")
    return path
