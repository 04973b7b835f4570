// Unit tests of the process helpers: exit descriptions, fork/reap/stop bookkeeping, the SIGCHLD
// pipe, mutual exclusion of the accept locks across processes, and SCM_RIGHTS passing.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "servers/core/stop_signal.h"
#include "servers/process/accept_lock.h"
#include "servers/process/child_exit_pipe.h"
#include "servers/process/child_processes.h"
#include "servers/process/descriptor_passing.h"

namespace archbench::process {
namespace {

TEST(DescribeExitTest, NamesExitCodesAndSignals) {
  EXPECT_EQ(describe_exit(0), "exited with status 0");
  EXPECT_EQ(describe_exit(3 << 8), "exited with status 3");
  EXPECT_EQ(describe_exit(SIGKILL), "killed by signal 9 (Killed)");
}

TEST(ChildSetTest, ForkRunsTheBodyAndReapReportsItsExitCode) {
  ChildSet children;
  const pid_t pid = fork_child([] { return 3; });
  ASSERT_GT(pid, 0);
  children.add(pid);
  ChildExit ended = children.reap(pid);
  EXPECT_EQ(ended.pid, pid);
  EXPECT_EQ(describe_exit(ended.status), "exited with status 3");
  EXPECT_TRUE(children.empty());
}

TEST(ChildSetTest, AThrowingBodyExitsWithOne) {
  ChildSet children;
  const pid_t pid = fork_child([]() -> int { throw std::runtime_error("boom"); });
  ASSERT_GT(pid, 0);
  children.add(pid);
  EXPECT_EQ(describe_exit(children.reap(pid).status), "exited with status 1");
}

TEST(ChildSetTest, StopAllKillsChildrenThatIgnoreSigtermAfterTheGrace) {
  ChildSet children;
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = fork_child([] {
      ::signal(SIGTERM, SIG_IGN);
      for (int k = 0; k < 600; ++k) ::usleep(100 * 1000);  // bounded: 60 s at most
      return 0;
    });
    ASSERT_GT(pid, 0);
    children.add(pid);
  }
  ::usleep(50 * 1000);  // let them ignore SIGTERM before it comes
  std::vector<ChildExit> ended = children.stop_all(std::chrono::milliseconds(100));
  ASSERT_EQ(ended.size(), 2u);
  for (const ChildExit& exit : ended) {
    EXPECT_EQ(describe_exit(exit.status), "killed by signal 9 (Killed)");
  }
  EXPECT_TRUE(children.empty());
}

TEST(ChildSetTest, ReapEndedCollectsOnlyChildrenThatEnded) {
  ChildSet children;
  const pid_t quick = fork_child([] { return 0; });
  const pid_t slow = fork_child([] {
    for (int k = 0; k < 600; ++k) ::usleep(100 * 1000);
    return 0;
  });
  children.add(quick);
  children.add(slow);
  std::vector<ChildExit> ended;
  for (int round = 0; round < 500 && ended.empty(); ++round) {
    ended = children.reap_ended();
    if (ended.empty()) ::usleep(10 * 1000);
  }
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].pid, quick);
  EXPECT_TRUE(children.contains(slow));
  children.stop_all();
  EXPECT_TRUE(children.empty());
}

// A SIGTERM that reaches a child in its first microseconds belongs to the child: it stops the
// child, and the parent's stop pipe stays quiet.
TEST(ForkChildTest, AnEarlySigtermStopsTheChildAndNotTheParent) {
  install_stop_handlers();
  ChildSet children;
  for (int round = 0; round < 20; ++round) {
    const pid_t pid = fork_child([] {
      pollfd fd{stop_fd(), POLLIN, 0};
      for (int k = 0; k < 100; ++k) {  // 5 s at most
        if (stop_requested()) return 0;
        ::poll(&fd, 1, 50);
      }
      return 7;  // the stop was lost
    });
    ASSERT_GT(pid, 0);
    children.add(pid);
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    EXPECT_EQ(describe_exit(children.reap(pid).status), "exited with status 0")
        << "round " << round;
  }
  pollfd parent_stop{stop_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&parent_stop, 1, 0), 0);
  EXPECT_FALSE(stop_requested());
}

TEST(ChildExitPipeTest, BecomesReadableWhenAChildEnds) {
  install_child_exit_pipe();
  drain_child_exit_pipe();
  const pid_t pid = fork_child([] { return 0; });
  ASSERT_GT(pid, 0);
  pollfd fd{child_exit_fd(), POLLIN, 0};
  int ready = -1;
  do {
    ready = ::poll(&fd, 1, 5000);  // EINTR: SIGCHLD's handler ran while we waited, as it should
  } while (ready < 0 && errno == EINTR);
  EXPECT_EQ(ready, 1);
  drain_child_exit_pipe();
  ChildSet children;
  children.add(pid);
  EXPECT_EQ(describe_exit(children.reap(pid).status), "exited with status 0");
}

// Shared memory both children see, to catch two processes inside the critical section at once.
struct Shared {
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> entries{0};
};

class AcceptLockTest : public ::testing::TestWithParam<AcceptLockKind> {};

TEST_P(AcceptLockTest, ExcludesOtherProcesses) {
  void* memory =
      ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  Shared* shared = new (memory) Shared;
  std::unique_ptr<AcceptLock> lock = make_accept_lock(GetParam());
  ChildSet children;
  for (int i = 0; i < 3; ++i) {
    children.add(fork_child([&] {
      for (int k = 0; k < 300; ++k) {
        if (!lock->lock()) return 2;
        if (shared->inside.fetch_add(1) != 0) shared->overlaps.fetch_add(1);
        shared->entries.fetch_add(1);
        ::usleep(20);
        shared->inside.fetch_sub(1);
        lock->unlock();
      }
      return 0;
    }));
  }
  for (pid_t pid : std::set<pid_t>(children.pids())) {
    EXPECT_EQ(describe_exit(children.reap(pid).status), "exited with status 0");
  }
  EXPECT_EQ(shared->entries.load(), 900);
  EXPECT_EQ(shared->overlaps.load(), 0);
  ::munmap(memory, sizeof(Shared));
}

// The holder dies without unlocking (kill -9 while in accept): the next process still gets in.
TEST_P(AcceptLockTest, ADeadHolderDoesNotKeepTheLock) {
  std::unique_ptr<AcceptLock> lock = make_accept_lock(GetParam());
  ChildSet children;
  const pid_t holder = fork_child([&] {
    if (!lock->lock()) return 2;
    ::_exit(0);  // dies holding it
  });
  children.add(holder);
  EXPECT_EQ(describe_exit(children.reap(holder).status), "exited with status 0");
  const pid_t next = fork_child([&] {
    if (!lock->lock()) return 2;
    lock->unlock();
    return 0;
  });
  children.add(next);
  EXPECT_EQ(describe_exit(children.reap(next).status), "exited with status 0");
}

INSTANTIATE_TEST_SUITE_P(Kinds, AcceptLockTest,
                         ::testing::Values(AcceptLockKind::kFcntl, AcceptLockKind::kMutex),
                         [](const auto& info) {
                           return std::string(accept_lock_name(info.param));
                         });

TEST(AcceptLockNameTest, ParsesTheThreeNamesAndNothingElse) {
  EXPECT_EQ(parse_accept_lock("none"), AcceptLockKind::kNone);
  EXPECT_EQ(parse_accept_lock("fcntl"), AcceptLockKind::kFcntl);
  EXPECT_EQ(parse_accept_lock("mutex"), AcceptLockKind::kMutex);
  EXPECT_FALSE(parse_accept_lock("flock").has_value());
  EXPECT_FALSE(parse_accept_lock("").has_value());
}

TEST(DescriptorPassingTest, TheReceiverGetsAWorkingCopyOfTheDescriptor) {
  int channel[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, channel), 0);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_TRUE(send_descriptor(channel[0], pipe_fds[1], 'x'));
  ::close(pipe_fds[1]);  // the sender's copy is gone; the passed one keeps the pipe open

  ReceivedDescriptor received = receive_descriptor(channel[1]);
  ASSERT_EQ(received.kind, ReceivedDescriptor::Kind::kDescriptor);
  EXPECT_EQ(received.tag, 'x');
  ASSERT_EQ(::write(received.fd.get(), "hello", 5), 5);
  received.fd.reset();
  char buffer[16];
  EXPECT_EQ(::read(pipe_fds[0], buffer, sizeof(buffer)), 5);
  EXPECT_EQ(std::string(buffer, 5), "hello");
  EXPECT_EQ(::read(pipe_fds[0], buffer, sizeof(buffer)), 0);  // no copy left anywhere
  ::close(pipe_fds[0]);

  // A plain byte carries no descriptor; a closed channel reads as EOF.
  ASSERT_EQ(::write(channel[0], "p", 1), 1);
  ReceivedDescriptor plain = receive_descriptor(channel[1]);
  EXPECT_EQ(plain.kind, ReceivedDescriptor::Kind::kNoDescriptor);
  EXPECT_EQ(plain.tag, 'p');
  ::close(channel[0]);
  EXPECT_EQ(receive_descriptor(channel[1]).kind, ReceivedDescriptor::Kind::kClosed);
  ::close(channel[1]);
}

// A receiver past its descriptor limit gets the byte but not the descriptor: the kernel sets
// MSG_CTRUNC and drops the file, so the last copy closes (here: the pipe's write end).
TEST(DescriptorPassingTest, AReceiverOutOfDescriptorsIsToldSoAndTheDescriptorIsDropped) {
  int channel[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, channel), 0);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_TRUE(send_descriptor(channel[0], pipe_fds[1], 'c'));
  ::close(pipe_fds[1]);

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  const int lowest_free = ::dup(0);
  ::close(lowest_free);
  rlimit lowered = saved;
  lowered.rlim_cur = static_cast<rlim_t>(lowest_free);  // no new descriptor fits
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  ReceivedDescriptor received = receive_descriptor(channel[1]);
  ::setrlimit(RLIMIT_NOFILE, &saved);

  EXPECT_EQ(received.kind, ReceivedDescriptor::Kind::kOutOfDescriptors);
  EXPECT_EQ(received.error, EMFILE);
  EXPECT_EQ(received.tag, 'c');
  EXPECT_FALSE(received.fd.valid());
  char buffer[4];
  EXPECT_EQ(::read(pipe_fds[0], buffer, sizeof(buffer)), 0) << "the dropped copy was the last";
  ::close(pipe_fds[0]);
  ::close(channel[0]);
  ::close(channel[1]);
}

TEST(DescriptorPassingTest, SendingToAClosedChannelFails) {
  int channel[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, channel), 0);
  ::close(channel[1]);
  EXPECT_FALSE(send_descriptor(channel[0], STDIN_FILENO));
  EXPECT_EQ(errno, EPIPE);
  ::close(channel[0]);
}

}  // namespace
}  // namespace archbench::process
