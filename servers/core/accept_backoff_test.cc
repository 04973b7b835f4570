#include "servers/core/accept_backoff.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace archbench {
namespace {

using std::chrono::milliseconds;

// Sends this process's stderr (where log_line writes) to a file while it lives, so a test can
// count the log lines a piece of code wrote.
class CapturedStderr {
 public:
  CapturedStderr() {
    const char* dir = std::getenv("TEST_TMPDIR");
    path_ = std::string(dir ? dir : "/tmp") + "/captured_stderr_XXXXXX";
    const int fd = ::mkstemp(path_.data());
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~CapturedStderr() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::unlink(path_.c_str());
  }

  std::string text() const {
    std::ifstream in(path_);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

  // Lines of the captured log that contain `needle`.
  int lines_with(const std::string& needle) const {
    std::istringstream in(text());
    int count = 0;
    for (std::string line; std::getline(in, line);) count += line.find(needle) != std::string::npos;
    return count;
  }

 private:
  std::string path_;
  int saved_ = -1;
};

TEST(AcceptBackoffTest, DelaysDoubleUpToTheBoundAndResetAfterAnAccept) {
  AcceptBackoff backoff("test", "clients wait", {milliseconds(10), milliseconds(100)});
  std::vector<long> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(backoff.failed(EMFILE).count());
  EXPECT_EQ(delays, (std::vector<long>{10, 20, 40, 80, 100, 100, 100}));
  backoff.accepted();
  EXPECT_EQ(backoff.failed(EMFILE), milliseconds(10)) << "a new episode starts from the beginning";
}

TEST(AcceptBackoffTest, LogsOncePerEpisodeNotOncePerTry) {
  CapturedStderr log;
  AcceptBackoff backoff("test accepter", "clients wait in the backlog");
  EXPECT_FALSE(backoff.in_episode());
  for (int i = 0; i < 50; ++i) backoff.failed(EMFILE, "3 connections open");
  for (int i = 0; i < 5; ++i) backoff.refused(EMFILE);
  EXPECT_TRUE(backoff.in_episode());
  EXPECT_EQ(log.lines_with("out of descriptors"), 1) << log.text();
  EXPECT_EQ(log.lines_with("test accepter: out of descriptors (Too many open files; "
                           "3 connections open): clients wait in the backlog"),
            1)
      << log.text();

  backoff.accepted();
  backoff.accepted();  // no episode any more: silent
  EXPECT_FALSE(backoff.in_episode());
  EXPECT_EQ(log.lines_with("accepting again"), 1) << log.text();
  EXPECT_EQ(log.lines_with("(50 failed tries, 5 clients refused)"), 1) << log.text();

  backoff.refused(ENFILE);  // a refusal alone also starts an episode
  EXPECT_TRUE(backoff.in_episode());
  EXPECT_EQ(log.lines_with("out of descriptors"), 2) << log.text();
  EXPECT_EQ(log.lines_with("Too many open files in system"), 1) << log.text();
  EXPECT_EQ(backoff.episodes(), 2u);
}

TEST(AcceptBackoffTest, ThreadsFailingTogetherShareOneEpisode) {
  CapturedStderr log;
  AcceptBackoff backoff("pool", "clients wait");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        const milliseconds delay = backoff.failed(EMFILE);
        EXPECT_GE(delay, milliseconds(10));
        EXPECT_LE(delay, milliseconds(250));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  backoff.accepted();
  EXPECT_EQ(backoff.episodes(), 1u);
  EXPECT_EQ(log.lines_with("out of descriptors ("), 1) << log.text();
  EXPECT_EQ(log.lines_with("(1600 failed tries, 0 clients refused)"), 1) << log.text();
}

TEST(AcceptPauseTest, EndsByItselfWhenItsTimeHasComeOrEarlyWhenAsked) {
  AcceptPause pause;
  EXPECT_FALSE(pause.paused());
  EXPECT_EQ(pause.deadline(), std::nullopt);
  pause.pause_for(milliseconds(30));
  EXPECT_TRUE(pause.paused());
  ASSERT_TRUE(pause.deadline().has_value());
  EXPECT_LE(*pause.deadline() - Clock::now(), milliseconds(30));
  std::this_thread::sleep_for(milliseconds(40));
  EXPECT_FALSE(pause.paused());
  EXPECT_EQ(pause.deadline(), std::nullopt);

  pause.pause_for(milliseconds(10000));
  EXPECT_TRUE(pause.paused());
  pause.end();
  EXPECT_FALSE(pause.paused());
}

TEST(AcceptBackoffTest, WaitUnlessStoppedWaitsTheDelay) {
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(wait_unless_stopped(milliseconds(30)));
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(30));
}

}  // namespace
}  // namespace archbench
