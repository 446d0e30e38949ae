#include "harness/graced_process.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "harness/files.hpp"
#include "harness/paths.hpp"
#include "harness/ports.hpp"

extern char** environ;

namespace graced::test {
namespace {

std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    std::string key = entry.substr(0, entry.find('='));
    if (key == "GRACED_CONFIG") continue;
    bool replaced =
        std::any_of(extra.begin(), extra.end(), [&](const auto& kv) { return kv.first == key; });
    if (!replaced) env.push_back(std::move(entry));
  }
  for (const auto& [k, v] : extra)
    env.push_back(k + "=" + v);
  return env;
}

int open_output(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  return fd;
}

// In the forked child: the signal state graced is to inherit, independent of the runner's.
void set_signal_state(const GracedOptions& o) {
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;
    struct sigaction sa {};
    bool ignore = std::find(o.ignored_signals.begin(), o.ignored_signals.end(), signo) !=
                  o.ignored_signals.end();
    sa.sa_handler = ignore ? SIG_IGN : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(signo, &sa, nullptr);
  }
  sigset_t mask;
  sigemptyset(&mask);
  for (int signo : o.blocked_signals)
    sigaddset(&mask, signo);
  sigprocmask(SIG_SETMASK, &mask, nullptr);
}

}  // namespace

GracedProcess::GracedProcess(GracedOptions options) : launched_(!options.launcher.empty()) {
  std::vector<std::string> args = options.launcher;
  args.push_back(kGracedBinary);
  std::vector<std::string> graced_args = options.args;
  std::vector<std::string> options_args;
  if (options.config) {
    config_path_ = dir_.file("graced.toml");
    write_file(config_path_, *options.config);
    options_args.insert(options_args.end(), {"-c", config_path_});
  }
  std::string listen = options.http_listen.value_or("");
  if (!options.http_listen) {
    http_port_ = free_port();
    listen = "127.0.0.1:" + std::to_string(http_port_);
  }
  // `graced probe` is a client: it takes no configuration.
  const bool is_probe = !graced_args.empty() && graced_args.front() == "probe";
  if (!is_probe)
    options_args.insert(options_args.end(), {"--set", "http.listen=\"" + listen + "\""});
  graced_args.insert(std::find(graced_args.begin(), graced_args.end(), "--"), options_args.begin(),
                     options_args.end());
  args.insert(args.end(), graced_args.begin(), graced_args.end());

  // Everything the child needs is prepared before fork.
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = environment_with(options.env);
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  int out = open_output(dir_.file("stdout"));
  int err = open_output(dir_.file("stderr"));
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];
  if (null < 0 || pipe2(report, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  started_ = std::chrono::steady_clock::now();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    setpgid(0, 0);
    dup2(null, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    // Whatever else the runner has open must not leak into graced.
    close_range(3, UINT_MAX, CLOSE_RANGE_CLOEXEC);
    set_signal_state(options);
    execvpe(argv[0], argv.data(), envp.data());
    int e = errno;
    ssize_t ignored = write(report[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid_, pid_);  // also here, so the group exists before the first signal is sent
  close(report[1]);
  close(out);
  close(err);
  close(null);
  int exec_errno = 0;
  ssize_t n = read(report[0], &exec_errno, sizeof exec_errno);
  close(report[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    waitpid(pid_, nullptr, 0);
    exit_code_ = 127;
    throw std::runtime_error("exec " + args.front() + ": " + std::strerror(exec_errno));
  }
}

GracedProcess::~GracedProcess() {
  if (pid_ <= 0) return;
  if (!exit_code_) {
    for (const auto& p : kill_process_tree(pid_))
      known_.push_back(p);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // Whatever escaped graced's tree (re-parented when graced died) is still named here.
  for (const auto& p : known_)
    kill_if_same(p);
}

void GracedProcess::remember_descendants() {
  for (pid_t pid : descendants_of(pid_)) {
    auto s = proc_stat(pid);
    if (!s) continue;
    bool known = std::any_of(known_.begin(), known_.end(), [&](const ProcStat& k) {
      return k.pid == s->pid && k.start_time == s->start_time;
    });
    if (!known) known_.push_back(*s);
  }
}

pid_t GracedProcess::graced_pid() {
  if (!launched_) return pid_;
  if (graced_pid_ > 0) return graced_pid_;
  struct stat binary {};
  if (stat(kGracedBinary.c_str(), &binary) != 0) return -1;
  wait_until(
      [&] {
        for (pid_t pid : descendants_of(pid_)) {
          struct stat exe {};
          // /proc/PID/exe stats the running binary itself, wherever it was started from.
          if (stat(("/proc/" + std::to_string(pid) + "/exe").c_str(), &exe) == 0 &&
              exe.st_dev == binary.st_dev && exe.st_ino == binary.st_ino) {
            graced_pid_ = pid;
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(10));
  return graced_pid_;
}

void GracedProcess::signal(int signo) {
  if (exit_code_) return;
  remember_descendants();
  pid_t target = graced_pid();
  if (target > 0) kill(target, signo);
}

std::optional<int> GracedProcess::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Now and then, so that what graced leaves behind when it dies can still be found.
    if (std::chrono::steady_clock::now() - last_scan_ > std::chrono::milliseconds(100)) {
      remember_descendants();
      last_scan_ = std::chrono::steady_clock::now();
    }
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = std::chrono::steady_clock::now();
      exit_code_ = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
      return exit_code_;
    }
    if (r < 0 && errno != EINTR) {
      throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::optional<std::chrono::milliseconds> GracedProcess::run_time() const {
  if (!exited_) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*exited_ - started_);
}

std::string GracedProcess::stdout_text() const {
  return read_file(dir_.file("stdout")).value_or("");
}

std::string GracedProcess::stderr_text() const {
  return read_file(dir_.file("stderr")).value_or("");
}

bool GracedProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return stderr_text().find(text) != std::string::npos; }, timeout);
}

RunResult run_graced(GracedOptions options, std::chrono::milliseconds timeout) {
  GracedProcess graced(std::move(options));
  RunResult r;
  r.exit_code = graced.wait(timeout);
  r.out = graced.stdout_text();
  r.err = graced.stderr_text();
  return r;
}

}  // namespace graced::test
