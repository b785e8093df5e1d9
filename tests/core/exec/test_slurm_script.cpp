// What the Slurm executor submits, checked without a cluster: resource mapping to sbatch options, the
// batch script (run here with /bin/sh: quoting, reports on fd 3, exit status), job ids, and the spec's
// "executor" block.
#include <QTemporaryDir>
#include <QTest>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/exec/slurm_script.h"
#include "core/study/spec.h"
#include "support/test_util.h"

using namespace tunelab;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes the script for `l` and runs it with /bin/sh, as slurmd would; returns sh's exit status.
int run_script(const Launch& l) {
  auto script = batch_script(l);
  if (!script) return -1000;
  std::filesystem::create_directories(l.trial_dir);
  const std::string path = SlurmFiles::in(l.trial_dir).script;
  std::ofstream(path, std::ios::trunc) << *script;
  const std::string cmd = "/bin/sh " + shell_quote(path);
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool has(const std::vector<std::string>& argv, const std::string& a) {
  return std::find(argv.begin(), argv.end(), a) != argv.end();
}

}  // namespace

class TestSlurmScript final : public QObject {
  Q_OBJECT
 private slots:
  void gres_data() {
    QTest::addColumn<double>("gpu");
    QTest::addColumn<int>("shards");
    QTest::addColumn<QString>("gres");
    QTest::newRow("no gpu") << 0.0 << 0 << QStringLiteral("");
    QTest::newRow("one gpu") << 1.0 << 0 << QStringLiteral("gpu:1");
    QTest::newRow("two gpus") << 2.0 << 4 << QStringLiteral("gpu:2");
    QTest::newRow("half, no shards: whole gpu") << 0.5 << 0 << QStringLiteral("gpu:1");
    QTest::newRow("half of 4 shards") << 0.5 << 4 << QStringLiteral("shard:2");
    QTest::newRow("quarter of 8 shards") << 0.25 << 8 << QStringLiteral("shard:2");
    QTest::newRow("tiny share: one shard") << 0.1 << 4 << QStringLiteral("shard:1");
    QTest::newRow("third of 3 shards") << 1.0 / 3 << 3 << QStringLiteral("shard:1");
  }
  void gres() {
    QFETCH(double, gpu);
    QFETCH(int, shards);
    QFETCH(QString, gres);
    QCOMPARE(QString::fromStdString(gres_for(gpu, shards)), gres);
  }

  void sbatchArgv() {
    SlurmOptions o;
    o.partition = "gpu-a100";
    o.time_limit = "2:00:00";
    o.mem_gb = 1.5;
    o.gpu_shards = 4;
    o.sbatch_args = {"--account=ml", "--qos=short"};
    Launch l;
    l.trial_id = 7;
    l.trial_dir = "/shared/s_trials/000007";
    l.env = {{"TUNELAB_STUDY", "mnist"}};
    const auto a = sbatch_argv(o, {2.5, 0.5}, l, "/shared/s_trials/000007/job.sh");
    QCOMPARE(a.front(), std::string("sbatch"));
    QVERIFY(has(a, "--parsable"));
    QVERIFY(has(a, "--job-name=tunelab-mnist-7"));
    QVERIFY(has(a, "--partition=gpu-a100"));
    QVERIFY(has(a, "--cpus-per-task=3"));  // CPUs are whole on Slurm: rounded up
    QVERIFY(has(a, "--gres=shard:2"));
    QVERIFY(has(a, "--mem=1536M"));
    QVERIFY(has(a, "--time=2:00:00"));
    QVERIFY(has(a, "--chdir=/shared/s_trials/000007"));
    // The user's arguments come after TuneLab's (so they win), the script last.
    const auto account = std::find(a.begin(), a.end(), "--account=ml");
    QVERIFY(account != a.end());
    QVERIFY(account > std::find(a.begin(), a.end(), "--cpus-per-task=3"));
    QCOMPARE(*(account + 1), std::string("--qos=short"));
    QCOMPARE(a.back(), std::string("/shared/s_trials/000007/job.sh"));

    // Defaults: no partition, no GPU, no memory or time limit; a fraction of a CPU is one CPU.
    const auto d = sbatch_argv(SlurmOptions{}, {0.1, 0}, l, "job.sh");
    QVERIFY(has(d, "--cpus-per-task=1"));
    for (const auto& x : d) {
      QVERIFY2(!x.starts_with("--partition") && !x.starts_with("--gres") && !x.starts_with("--mem") &&
                   !x.starts_with("--time"),
               x.c_str());
    }
  }

  void jobIds_data() {
    QTest::addColumn<QString>("out");
    QTest::addColumn<QString>("id");
    QTest::newRow("plain") << QStringLiteral("123\n") << QStringLiteral("123");
    QTest::newRow("federation") << QStringLiteral("4567;cluster2\n") << QStringLiteral("4567");
    QTest::newRow("warning first") << QStringLiteral("sbatch: warning: something\n89\n") << QStringLiteral("89");
    QTest::newRow("array") << QStringLiteral("12_3\n") << QStringLiteral("12_3");
    QTest::newRow("garbage") << QStringLiteral("Submitted batch job\n") << QStringLiteral("");
    QTest::newRow("empty") << QStringLiteral("") << QStringLiteral("");
  }
  void jobIds() {
    QFETCH(QString, out);
    QFETCH(QString, id);
    const auto got = parse_sbatch_job_id(out.toStdString());
    QCOMPARE(QString::fromStdString(got.value_or("")), id);
  }

  void states() {
    QVERIFY(slurm_state_active("PENDING"));
    QVERIFY(slurm_state_active("RUNNING"));
    QVERIFY(slurm_state_active("COMPLETING"));
    QVERIFY(!slurm_state_active("COMPLETED"));
    QVERIFY(!slurm_state_active("CANCELLED"));
    QVERIFY(!slurm_state_active("TIMEOUT"));
    QVERIFY(!slurm_state_active(""));
  }

  // Config values full of shell syntax reach the trial as they are and are never executed.
  void scriptQuotesEverything() {
    QTemporaryDir dir;
    Launch l;
    l.trial_id = 3;
    l.trial_dir = dir.filePath(QStringLiteral("trial dir 'x'")).toStdString();
    const std::string pwned = dir.filePath(QStringLiteral("pwned")).toStdString();
    const std::string hostile = "'; touch " + pwned + "; echo '$(touch " + pwned + ")`touch " + pwned + "`\"\n";
    l.env = {{"TUNELAB_CONFIG", "{\"a\": \"" + hostile + "\"}"}, {"TUNELAB_REPORT_FD", "3"}, {"HOSTILE", hostile}};
    // The trial prints its argument and the variable, and reports one line on fd 3.
    l.argv = {"/bin/sh", "-c", "printf '%s|%s' \"$1\" \"$HOSTILE\"; echo '{\"score\": 1}' >&3", "sh", hostile};
    QCOMPARE(run_script(l), 0);
    QVERIFY2(!std::filesystem::exists(pwned), "a config value was run by the shell");
    QCOMPARE(slurp(l.trial_dir + "/stdout.log"), hostile + "|" + hostile);
    QCOMPARE(slurp(SlurmFiles::in(l.trial_dir).reports), std::string("{\"score\": 1}\n"));
    QCOMPARE(slurp(SlurmFiles::in(l.trial_dir).exit_status), std::string("0\n"));
  }

  void scriptRecordsExitStatus_data() {
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("status");
    QTest::newRow("success") << QStringLiteral("exit 0") << QStringLiteral("0");
    QTest::newRow("failure") << QStringLiteral("echo boom >&2; exit 3") << QStringLiteral("3");
    QTest::newRow("signal") << QStringLiteral("kill -TERM $$") << QStringLiteral("143");
    QTest::newRow("missing program") << QStringLiteral("exec /nonexistent/program") << QStringLiteral("127");
  }
  void scriptRecordsExitStatus() {
    QFETCH(QString, command);
    QFETCH(QString, status);
    QTemporaryDir dir;
    Launch l;
    l.trial_id = 1;
    l.trial_dir = dir.filePath(QStringLiteral("t")).toStdString();
    l.argv = {"/bin/sh", "-c", command.toStdString()};
    run_script(l);
    QCOMPARE(QString::fromStdString(slurp(SlurmFiles::in(l.trial_dir).exit_status)), status + QStringLiteral("\n"));
  }

  void scriptRunsInCwd() {
    QTemporaryDir dir;
    Launch l;
    l.trial_id = 2;
    l.trial_dir = dir.filePath(QStringLiteral("t")).toStdString();
    l.cwd = dir.path().toStdString();
    l.argv = {"/bin/pwd"};
    QCOMPARE(run_script(l), 0);
    QCOMPARE(slurp(l.trial_dir + "/stdout.log"), l.cwd + "\n");
    // A working directory that is gone: status 127 and a message in stderr.log.
    l.cwd = dir.filePath(QStringLiteral("gone")).toStdString();
    QCOMPARE(run_script(l), 127);
    QVERIFY(slurp(l.trial_dir + "/stderr.log").find("cannot enter the working directory") != std::string::npos);
  }

  void scriptRejectsBadEnvNames() {
    Launch l;
    l.argv = {"true"};
    l.env = {{"BAD NAME", "x"}};
    auto s = batch_script(l);
    QVERIFY(!s.ok());
    QVERIFY(s.error_text().find("trainable.env.BAD NAME") != std::string::npos);
  }

  void specBlock_data() {
    QTest::addColumn<QString>("block");
    QTest::addColumn<QString>("where");
    QTest::newRow("unknown type") << QStringLiteral("{\"type\": \"pbs\"}") << QStringLiteral("executor.type");
    QTest::newRow("unknown option") << QStringLiteral("{\"type\": \"slurm\", \"queue\": \"x\"}") << QStringLiteral("executor.queue");
    QTest::newRow("args not a list") << QStringLiteral("{\"type\": \"slurm\", \"sbatch_args\": \"--qos=x\"}") << QStringLiteral("executor.sbatch_args");
    QTest::newRow("arg not a string") << QStringLiteral("{\"type\": \"slurm\", \"sbatch_args\": [\"--qos=x\", 3]}")
                                      << QStringLiteral("executor.sbatch_args[1]");
    QTest::newRow("bad time") << QStringLiteral("{\"type\": \"slurm\", \"time_limit\": \"2 hours\"}") << QStringLiteral("executor.time_limit");
    QTest::newRow("negative memory") << QStringLiteral("{\"type\": \"slurm\", \"mem_gb\": -1}") << QStringLiteral("executor.mem_gb");
    QTest::newRow("poll too fast") << QStringLiteral("{\"type\": \"slurm\", \"poll_s\": 0}") << QStringLiteral("executor.poll_s");
    QTest::newRow("local takes no options") << QStringLiteral("{\"type\": \"local\", \"partition\": \"x\"}") << QStringLiteral("executor.partition");
    QTest::newRow("not an object") << QStringLiteral("\"slurm\"") << QStringLiteral("executor");
  }
  void specBlock() {
    QFETCH(QString, block);
    QFETCH(QString, where);
    Json j = test::synthetic_spec({{"executor", Json::parse(block.toStdString())}});
    auto s = parse_spec(j, "/tmp");
    QVERIFY(!s.ok());
    bool found = false;
    for (const auto& e : s.errors()) found = found || e.where == where.toStdString();
    QVERIFY2(found, s.error_text().c_str());
  }

  void specDefaults() {
    auto local = parse_spec(test::synthetic_spec(), "/tmp");
    QVERIFY(local.ok());
    QVERIFY(local->executor == Json({{"type", "local"}}));
    Json j = test::synthetic_spec(
        {{"executor", {{"type", "slurm"}, {"partition", "cpu"}, {"sbatch_args", {"--account=ml"}}}}});
    auto s = parse_spec(j, "/tmp");
    QVERIFY2(s.ok(), s.error_text().c_str());
    auto o = slurm_options_from(s->executor, "executor");
    QVERIFY(o.ok());
    QCOMPARE(o->partition, std::string("cpu"));
    QCOMPARE(o->sbatch_args, std::vector<std::string>{"--account=ml"});
    QCOMPARE(o->poll_s, 2.0);
    QCOMPARE(o->gpu_shards, 0);
    QVERIFY(!o->mem_gb);
  }
};

QTEST_GUILESS_MAIN(TestSlurmScript)
#include "test_slurm_script.moc"
