#pragma once
// The trial of test_terminal_escapes.cpp (kept out of the test's source, which moc reads).
// Trial 0 reports, then fails with escapes in its stderr; trial 1 reports the metric as a string (a
// bad_report naming the metric), then crosses a stop threshold (a decision naming the metric).
inline constexpr const char* kEscapingTrial = R"PY(import json, os, sys
out = os.fdopen(int(os.environ["TUNELAB_REPORT_FD"]), "w", buffering=1)
metric = "score\x1b]0;pwned\x07"
evil = "\x1b]0;pwned\x07\x1b[2J\u009b31m\r"
if os.environ["TUNELAB_TRIAL_ID"] == "0":
    out.write(json.dumps({metric: 0.1, "training_iteration": 1, "note" + evil: 1}) + "\n")
    sys.stderr.write("boom " + evil + "\nlast line " + evil + "\n")
    sys.stderr.flush()
    sys.exit(3)
out.write(json.dumps({metric: evil, "training_iteration": 1}) + "\n")
out.write(json.dumps({metric: 0.9, "training_iteration": 2}) + "\n")
)PY";
