#pragma once
// The trainable and the checks of the crash-resume torture test (test_crash_resume.cpp), kept apart
// so that bench/reliability/torture.py can share the same ground-truth format.
//
// The trainable (Python, standard library only) runs `iterations` steps. Each step writes a
// checkpoint, appends the report line to truth.jsonl in its trial folder, then writes the same line
// to the report channel. SIGTERM is held off while a line is written to both, so a line the engine
// could have read is always in the ground truth. Values depend only on the config and the
// iteration, so a step repeated after a restore writes identical lines.
#include <string>

namespace tunelab::test {

inline const char* kTruthTrainable = R"PY(import json, os, signal, time
cfg = json.loads(os.environ["TUNELAB_CONFIG"])
tdir = os.environ["TUNELAB_TRIAL_DIR"]
tid = int(os.environ["TUNELAB_TRIAL_ID"])
start = 0
restore = os.environ.get("TUNELAB_RESTORE_PATH")
if restore:
    with open(restore) as f:
        start = json.load(f)["iteration"]
    assert start == int(os.environ["TUNELAB_RESTORE_ITERATION"]), "restore iteration mismatch"
out = os.fdopen(int(os.environ["TUNELAB_REPORT_FD"]), "w", buffering=1)
truth = open(os.path.join(tdir, "truth.jsonl"), "a", buffering=1)
for i in range(start + 1, int(cfg["iterations"]) + 1):
    time.sleep(float(cfg["sleep_s"]))
    ck = "checkpoint-%d.json" % i
    with open(os.path.join(tdir, ck + ".tmp"), "w") as f:
        json.dump({"iteration": i}, f)
    os.rename(os.path.join(tdir, ck + ".tmp"), os.path.join(tdir, ck))
    score = round(float(cfg["x"]) * (1.0 - 0.5 ** i) + 0.001 * i, 12)
    line = json.dumps({"score": score, "training_iteration": i, "tid": tid, "x": cfg["x"], "_checkpoint": ck})
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    truth.write(line + "\n")
    out.write(line + "\n")
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
)PY";

}  // namespace tunelab::test
