#include "servers/testing/server_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace archbench::testing {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

struct ProcStat {
  pid_t pid = 0;
  char state = '?';
  pid_t ppid = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses, so
// parse from the last ')'.
std::optional<ProcStat> read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  std::size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  ProcStat stat;
  stat.pid = pid;
  rest >> stat.state >> stat.ppid;
  if (!rest) return std::nullopt;
  return stat;
}

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> result;
  DIR* dir = ::opendir("/proc");
  if (!dir) return result;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    if (auto stat = read_stat(static_cast<pid_t>(pid))) result.push_back(*stat);
  }
  ::closedir(dir);
  return result;
}

}  // namespace

std::string ServerProcess::runfile(std::string_view relative) {
  const std::string rel(relative);
  for (const char* variable : {"TEST_SRCDIR", "RUNFILES_DIR"}) {
    std::string root = env_or_empty(variable);
    if (!root.empty() && file_exists(root + "/archbench/" + rel)) {
      return root + "/archbench/" + rel;
    }
  }
  // A test binary started by hand: <argv0>.runfiles next to it.
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string candidate = std::string(self) + ".runfiles/archbench/" + rel;
    if (file_exists(candidate)) return candidate;
  }
  return rel;
}

std::string ServerProcess::server_binary(std::string_view architecture) {
  std::string id(architecture);
  return runfile("servers/" + id + "/" + id);
}

ServerProcess::ServerProcess(std::string path, std::vector<std::string> args)
    : path_(std::move(path)) {
  std::string tmpdir = env_or_empty("TEST_TMPDIR");
  if (tmpdir.empty()) tmpdir = "/tmp";
  std::string templ = tmpdir + "/server_stderr_XXXXXX";
  int stderr_fd = ::mkostemp(templ.data(), O_CLOEXEC);
  if (stderr_fd < 0) {
    error_ = "mkostemp: " + std::string(std::strerror(errno));
    return;
  }
  stderr_path_ = templ;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    error_ = "pipe: " + std::string(std::strerror(errno));
    ::close(stderr_fd);
    return;
  }
  std::vector<std::string> argv_strings;
  argv_strings.push_back(path_);
  for (auto& a : args) argv_strings.push_back(std::move(a));
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // The test dies -> the server dies.
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(stderr_fd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(argv[0], argv.data());
    const char message[] = "exec failed\n";
    [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, message, sizeof(message) - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(stderr_fd);
  if (pid < 0) {
    error_ = "fork: " + std::string(std::strerror(errno));
    ::close(out[0]);
    return;
  }
  pid_ = pid;
  stdout_fd_ = out[0];
}

ServerProcess::~ServerProcess() {
  kill_and_reap();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (!stderr_path_.empty()) ::unlink(stderr_path_.c_str());
}

void ServerProcess::kill_and_reap() {
  if (pid_ <= 0 || exit_status_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_status_ = status;
}

void ServerProcess::drain_stdout(int timeout_ms) {
  if (stdout_fd_ < 0) return;
  pollfd fd{stdout_fd_, POLLIN, 0};
  if (::poll(&fd, 1, timeout_ms) <= 0) return;
  char buffer[4096];
  ssize_t n = ::read(stdout_fd_, buffer, sizeof(buffer));
  if (n > 0) {
    stdout_seen_.append(buffer, static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    ::close(stdout_fd_);  // EOF: the server closed stdout (or exited).
    stdout_fd_ = -1;
  }
}

bool ServerProcess::wait_ready(milliseconds timeout) {
  if (pid_ <= 0) return false;
  const auto give_up = SteadyClock::now() + timeout;
  for (;;) {
    std::size_t start = 0;
    while (start < stdout_seen_.size()) {
      std::size_t end = stdout_seen_.find('\n', start);
      if (end == std::string::npos) break;
      std::istringstream line(stdout_seen_.substr(start, end - start));
      std::string word, host;
      unsigned port = 0;
      long pid = 0;
      if (line >> word >> host >> port >> pid && word == "READY" && port > 0 && port < 65536) {
        host_ = host;
        port_ = static_cast<std::uint16_t>(port);
        announced_pid_ = static_cast<pid_t>(pid);
        return true;
      }
      start = end + 1;
    }
    auto left = std::chrono::duration_cast<milliseconds>(give_up - SteadyClock::now()).count();
    if (left <= 0 || stdout_fd_ < 0) break;
    drain_stdout(static_cast<int>(left));
  }
  if (stdout_fd_ < 0) {
    // stdout closed: the server most likely exited.
    std::optional<int> status = wait_exit(milliseconds(1000));
    error_ = "server exited before READY";
    if (status) {
      if (WIFEXITED(*status)) error_ += " with code " + std::to_string(WEXITSTATUS(*status));
      if (WIFSIGNALED(*status)) error_ += " on signal " + std::to_string(WTERMSIG(*status));
    }
  } else {
    error_ = "no READY line within " + std::to_string(timeout.count()) + " ms; killed";
    kill_and_reap();
  }
  error_ += " (" + path_ + ")\nstdout: " + stdout_seen_ + "\nstderr: " + stderr_text();
  return false;
}

bool ServerProcess::send_signal(int signal) {
  if (pid_ <= 0 || exit_status_) return false;
  return ::kill(pid_, signal) == 0;
}

std::optional<int> ServerProcess::wait_exit(milliseconds timeout) {
  if (exit_status_) return exit_status_;
  if (pid_ <= 0) return std::nullopt;
  const auto give_up = SteadyClock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = status;
      return exit_status_;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (SteadyClock::now() >= give_up) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

bool ServerProcess::running() { return pid_ > 0 && !wait_exit(milliseconds(0)); }

std::vector<pid_t> ServerProcess::children() const {
  std::vector<pid_t> result;
  if (pid_ <= 0) return result;
  for (const ProcStat& p : all_processes()) {
    if (p.ppid == pid_ && p.state != 'Z' && p.state != 'X') result.push_back(p.pid);
  }
  return result;
}

std::vector<pid_t> ServerProcess::zombie_children() const {
  std::vector<pid_t> result;
  if (pid_ <= 0) return result;
  for (const ProcStat& p : all_processes()) {
    if (p.ppid == pid_ && p.state == 'Z') result.push_back(p.pid);
  }
  return result;
}

bool ServerProcess::is_alive(pid_t pid) {
  std::optional<ProcStat> stat = read_stat(pid);
  return stat && stat->state != 'Z' && stat->state != 'X';
}

int ServerProcess::thread_count() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return 0;
}

std::string ServerProcess::stderr_text() const {
  if (stderr_path_.empty()) return "";
  std::ifstream in(stderr_path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ServerProcess::stdout_text() {
  while (stdout_fd_ >= 0) {
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (::poll(&fd, 1, 0) <= 0) break;
    drain_stdout(0);
  }
  return stdout_seen_;
}

}  // namespace archbench::testing
