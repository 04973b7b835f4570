#include "servers/reactor/reactor_test_support.h"

#include <dirent.h>

#include <fstream>
#include <map>
#include <sstream>

namespace archbench::reactor::testing {

using std::chrono::milliseconds;

ServerProcess start_reactor(std::vector<std::string> args) {
  return ServerProcess(ServerProcess::server_binary("reactor"), std::move(args));
}

HttpClient::HttpClient(std::uint16_t port, const std::string& host)
    : connection_(TestConnection::connect(port, host)) {
  if (!connection_.ok()) error_ = connection_.error();
}

std::vector<http::ParsedResponse> HttpClient::exchange(const std::string& request, int count,
                                                       milliseconds timeout) {
  std::vector<http::ParsedResponse> responses;
  if (!connection_.send_all(request, timeout)) {
    error_ = "send failed: " + connection_.error();
    return responses;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (static_cast<int>(responses.size()) < count) {
    while (!pending_.empty()) {
      const http::ResponseParser::Result r = parser_.feed(pending_);
      pending_.erase(0, r.consumed);
      if (r.status == http::ResponseParser::Status::kError) {
        error_ = "bad response: " + std::string(parser_.error().reason);
        return responses;
      }
      if (r.status == http::ResponseParser::Status::kNeedMore) break;
      responses.push_back(std::move(parser_.response()));
      parser_.reset();
      if (static_cast<int>(responses.size()) == count) return responses;
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      error_ = "timeout";
      return responses;
    }
    // One byte (waiting up to the deadline), then whatever else is already there.
    std::string more = connection_.read_exactly(1, left);
    if (!more.empty()) more += connection_.read_available(milliseconds(0));
    if (more.empty() && (connection_.saw_eof() || connection_.saw_reset())) {
      error_ = connection_.saw_reset() ? "connection reset" : "connection closed";
      return responses;
    }
    pending_ += more;
  }
  return responses;
}

std::optional<http::ParsedResponse> HttpClient::get(const std::string& target, milliseconds timeout) {
  std::vector<http::ParsedResponse> r =
      exchange("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 1, timeout);
  if (r.empty()) return std::nullopt;
  return std::move(r[0]);
}

BackgroundLoad::BackgroundLoad(std::uint16_t port, int connections, Kind kind)
    : port_(port), kind_(kind) {
  for (int i = 0; i < connections; ++i) threads_.emplace_back([this, i] { client(i); });
}

BackgroundLoad::~BackgroundLoad() { stop(); }

void BackgroundLoad::stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::string BackgroundLoad::first_failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_failure_;
}

void BackgroundLoad::client(int index) {
  auto fail = [this](const std::string& why) {
    ++failed_;
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_failure_.empty()) first_failure_ = why;
  };
  long n = 0;
  while (!stop_) {
    if (kind_ == Kind::kHttp) {
      HttpClient client(port_);
      if (!client.ok()) {
        fail("connect: " + client.error());
        continue;
      }
      while (!stop_) {
        std::optional<http::ParsedResponse> r = client.get("/");
        if (!r || r->status != 200 || r->body != "Hello World") {
          fail(r ? "status " + std::to_string(r->status) + " body " + r->body
                 : "request: " + client.error());
          break;
        }
        ++succeeded_;
      }
    } else {
      TestConnection c = TestConnection::connect(port_);
      if (!c.ok()) {
        fail("connect: " + c.error());
        continue;
      }
      while (!stop_) {
        const std::string line = "client " + std::to_string(index) + " line " + std::to_string(n++) + "\r\n";
        if (!c.send_all(line)) {
          fail("send: " + c.error());
          break;
        }
        const std::string back = c.read_until("\r\n");
        if (back != line) {
          fail("eof reply '" + back + "' for '" + line + "' " + c.error());
          break;
        }
        ++succeeded_;
      }
    }
  }
}

std::set<pid_t> descendants(pid_t pid) {
  // /proc/<pid>/task/<tid>/children lists the children of each thread.
  std::set<pid_t> found;
  std::vector<pid_t> todo = {pid};
  while (!todo.empty()) {
    const pid_t parent = todo.back();
    todo.pop_back();
    const std::string tasks = "/proc/" + std::to_string(parent) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (dir == nullptr) continue;
    while (dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      std::ifstream in(tasks + "/" + entry->d_name + "/children");
      pid_t child;
      while (in >> child) {
        if (found.insert(child).second && ServerProcess::is_alive(child)) todo.push_back(child);
      }
    }
    ::closedir(dir);
  }
  std::set<pid_t> alive;
  for (pid_t p : found) {
    if (ServerProcess::is_alive(p)) alive.insert(p);
  }
  return alive;
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

std::vector<TraceLine> trace_lines(const std::string& log) {
  std::vector<TraceLine> lines;
  std::istringstream in(log);
  std::string text;
  while (std::getline(in, text)) {
    if (text.rfind("trace: ", 0) != 0) continue;
    std::istringstream words(text.substr(7));
    TraceLine line;
    words >> line.event;
    std::string word;
    while (words >> word) {
      const std::size_t eq = word.find('=');
      if (eq == std::string::npos) {
        line.peer = word;
        continue;
      }
      const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
      try {
        if (key == "session") line.session = std::stoull(value);
        if (key == "seq") line.seq = static_cast<std::uint32_t>(std::stoul(value));
        if (key == "worker") line.worker = std::stoi(value);
        if (key == "reactor") line.reactor = std::stoi(value);
        if (key == "pid") line.pid = static_cast<pid_t>(std::stol(value));
      } catch (const std::exception&) {
      }
    }
    lines.push_back(line);
  }
  return lines;
}

std::optional<std::uint64_t> session_of(const std::string& log, std::uint16_t port) {
  const std::string peer = "127.0.0.1:" + std::to_string(port);
  for (const TraceLine& line : trace_lines(log)) {
    if (line.event == "serve" && line.peer == peer) return line.session;
  }
  return std::nullopt;
}

bool wait_for_log(const ServerProcess& server, const std::string& needle, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (server.stderr_text().find(needle) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace archbench::reactor::testing
