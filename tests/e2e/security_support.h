#pragma once
// Hostile inputs for test_security.cpp (kept out of the Q_OBJECT file).
#include <string>

namespace tunelab::test {

// Config values that would run commands if they ever reached a shell unquoted.
inline const char* kInjectionValues[] = {"$(touch pwned1)", "; touch pwned2 #", "`touch pwned3`", "' && touch pwned4 '",
                                         "\" ; touch pwned5 ; \"", "| touch pwned6"};

// A trial that tries to make the engine keep files outside its folder as checkpoints.
inline const char* kEscapingTrial =
    "mkdir -p \"$TUNELAB_TRIAL_DIR/d\"\n"
    "ln -s /etc \"$TUNELAB_TRIAL_DIR/evil\"\n"
    "ln -s /etc/passwd \"$TUNELAB_TRIAL_DIR/d/link\"\n"
    "echo ok > \"$TUNELAB_TRIAL_DIR/d/file\"\n"
    "echo '{\"score\": 1, \"_checkpoint\": \"../../study.db\"}' >&3\n"
    "echo '{\"score\": 2, \"_checkpoint\": \"/etc/passwd\"}' >&3\n"
    "echo '{\"score\": 3, \"_checkpoint\": \"evil/passwd\"}' >&3\n"
    "echo '{\"score\": 4, \"_checkpoint\": \".\"}' >&3\n"
    "echo '{\"score\": 5, \"_checkpoint\": \"d\"}' >&3\n";

}  // namespace tunelab::test
