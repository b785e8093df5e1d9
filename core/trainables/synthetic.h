#pragma once
// The `synthetic` built-in trainable: a cheap, scriptable trial for tests, benchmarks and demos.
//
// Config keys (all optional):
//   iterations (10)      reports to make; score = (1 - (x - 0.3)^2) * (1 - exp(-i / 3)), loss = 1 - score
//   x (0.5)              the parameter the score depends on
//   sleep_s (0)          sleep before each report
//   fail_at (0)          exit with status 3 just before report N (0: never) ...
//   fail_attempts (1e9)  ... but only in the first fail_attempts attempts (TUNELAB_ATTEMPT)
//   hang_at (0)          stop reporting and sleep forever before report N (0: never)
//   garbage (false)      write malformed lines between reports
//   checkpoint (false)   write checkpoint-<i>.txt (the iteration) before each report, and restore from it
//   spawn_child (false)  fork a child that sleeps forever (its pid goes to child.pid in the trial dir)
//   ignore_term (false)  ignore SIGTERM (the engine must SIGKILL it)
//   report_iteration (true) include training_iteration in reports
namespace tunelab::trainables {

int run_synthetic();

}  // namespace tunelab::trainables
