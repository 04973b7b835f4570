#include "tests/exhaustion/exhaustion_support.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace archbench::exhaustion {
namespace {

struct ProcStat {
  pid_t ppid = 0;
  double cpu_ticks = 0;  // utime + stime + cutime + cstime
};

// /proc/<pid>/stat: "pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17) ...";
// comm may contain spaces and parentheses, so fields are counted from the last ')'.
bool read_stat(pid_t pid, ProcStat& stat) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  for (int index = 3; index <= 17 && rest >> field; ++index) {
    if (index == 4) stat.ppid = static_cast<pid_t>(std::stol(field));
    if (index >= 14) stat.cpu_ticks += std::stod(field);
  }
  return static_cast<bool>(rest);
}

// Every numeric entry of a /proc directory.
std::vector<long> numeric_entries(const std::string& directory) {
  std::vector<long> numbers;
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return numbers;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long number = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0') numbers.push_back(number);
  }
  ::closedir(dir);
  return numbers;
}

}  // namespace

std::unique_ptr<ServerProcess> start_limited_server(const std::string& arch,
                                                    const std::string& protocol, int nofile,
                                                    const std::vector<std::string>& args) {
  std::vector<std::string> command = {"--nofile=" + std::to_string(nofile) + ":" +
                                          std::to_string(nofile),
                                      "--",
                                      ServerProcess::server_binary(arch),
                                      "--protocol",
                                      protocol,
                                      "--host",
                                      "127.0.0.1",
                                      "--port",
                                      "0"};
  command.insert(command.end(), args.begin(), args.end());
  return std::make_unique<ServerProcess>(kPrlimit, command);
}

const char* reply_name(Reply reply) {
  switch (reply) {
    case Reply::kServed:
      return "served";
    case Reply::kClosed:
      return "closed by the server";
    case Reply::kNoReply:
      return "no reply (waiting)";
    case Reply::kWrong:
      return "a wrong reply";
  }
  return "?";
}

std::string request_for(const std::string& protocol, const std::string& tag) {
  if (protocol != "http") return tag;
  return "POST /echo HTTP/1.1\r\nHost: exhaustion\r\nContent-Length: " +
         std::to_string(tag.size()) + "\r\n\r\n" + tag;
}

Reply await_reply(TestConnection& c, const std::string& protocol, const std::string& tag,
                  milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  auto left = [&] {
    return std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  auto failed = [&] { return c.saw_eof() || c.saw_reset() ? Reply::kClosed : Reply::kNoReply; };
  if (protocol == "http") {
    const std::string head = c.read_until("\r\n\r\n", left());
    if (head.empty()) return failed();
    // A reply of any other shape is a wrong reply, not a refusal: say so loudly.
    if (head.rfind("HTTP/1.1 200 ", 0) != 0 ||
        head.find("\r\nContent-Length: " + std::to_string(tag.size()) + "\r\n") ==
            std::string::npos) {
      return Reply::kWrong;
    }
  }
  const std::string body = c.read_exactly(tag.size(), left());
  if (body == tag) return Reply::kServed;
  return body.empty() ? failed() : Reply::kWrong;
}

Reply round_trip(TestConnection& c, const std::string& protocol, const std::string& tag,
                 milliseconds wait) {
  if (!c.ok()) return Reply::kClosed;
  if (!c.send_all(request_for(protocol, tag), wait)) return Reply::kClosed;
  return await_reply(c, protocol, tag, wait);
}

double tree_cpu_seconds(pid_t root) {
  std::map<pid_t, ProcStat> all;
  for (long pid : numeric_entries("/proc")) {
    ProcStat stat;
    if (read_stat(static_cast<pid_t>(pid), stat)) all[static_cast<pid_t>(pid)] = stat;
  }
  // The tree: root, then repeatedly every process whose parent is already in it.
  std::set<pid_t> tree = {root};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, stat] : all) {
      if (tree.count(pid) == 0 && tree.count(stat.ppid) != 0 && tree.insert(pid).second) grew = true;
    }
  }
  double ticks = 0;
  for (pid_t pid : tree) {
    if (auto it = all.find(pid); it != all.end()) ticks += it->second.cpu_ticks;
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double tree_cpu_share(pid_t root, milliseconds window) {
  const double before = tree_cpu_seconds(root);
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(window);
  const double used = tree_cpu_seconds(root) - before;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return used / wall;
}

int lowest_free_descriptor(pid_t pid) {
  std::vector<long> open = numeric_entries("/proc/" + std::to_string(pid) + "/fd");
  std::set<long> taken(open.begin(), open.end());
  int candidate = 0;
  while (taken.count(candidate) != 0) ++candidate;
  return candidate;
}

namespace {

// "S" (sleeping) etc. from /proc/<pid>/stat, plus the sorted open descriptors.
std::string process_snapshot(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  const std::size_t close = text.rfind(')');
  std::string snapshot = close == std::string::npos ? "?" : text.substr(close + 2, 1);
  std::vector<long> fds = numeric_entries("/proc/" + std::to_string(pid) + "/fd");
  std::sort(fds.begin(), fds.end());
  for (long fd : fds) snapshot += " " + std::to_string(fd);
  return snapshot;
}

}  // namespace

bool wait_until_settled(const std::vector<pid_t>& pids, milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<std::string> before;
  for (pid_t pid : pids) before.push_back(process_snapshot(pid));
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));
    std::vector<std::string> now;
    bool asleep = true;
    for (pid_t pid : pids) {
      now.push_back(process_snapshot(pid));
      asleep = asleep && now.back().rfind("S", 0) == 0;
    }
    if (asleep && now == before) return true;
    before = std::move(now);
  }
  return false;
}

bool LoweredLimits::lower(pid_t pid, std::string& error) {
  rlimit old_limit{};
  if (::prlimit(pid, RLIMIT_NOFILE, nullptr, &old_limit) != 0) {
    error = "prlimit(" + std::to_string(pid) + ") read: " + std::strerror(errno);
    return false;
  }
  rlimit lowered = old_limit;
  lowered.rlim_cur = static_cast<rlim_t>(lowest_free_descriptor(pid));
  if (::prlimit(pid, RLIMIT_NOFILE, &lowered, nullptr) != 0) {
    error = "prlimit(" + std::to_string(pid) + ") lower: " + std::strerror(errno);
    return false;
  }
  saved_.push_back({pid, old_limit.rlim_cur, old_limit.rlim_max});
  return true;
}

void LoweredLimits::restore() {
  for (const Saved& saved : saved_) {
    rlimit limit{static_cast<rlim_t>(saved.soft), static_cast<rlim_t>(saved.hard)};
    ::prlimit(saved.pid, RLIMIT_NOFILE, &limit, nullptr);  // the process may be gone: fine
  }
  saved_.clear();
}

int count_lines_with(const std::string& log, const std::string& needle) {
  std::istringstream in(log);
  int count = 0;
  for (std::string line; std::getline(in, line);) count += line.find(needle) != std::string::npos;
  return count;
}

std::string first_line_with(const std::string& log, const std::string& needle) {
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

}  // namespace archbench::exhaustion
