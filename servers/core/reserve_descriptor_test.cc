#include "servers/core/reserve_descriptor.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include <gtest/gtest.h>

#include "servers/core/accept.h"
#include "servers/core/listen_socket.h"
#include "servers/testing/test_connection.h"

namespace archbench {
namespace {

using std::chrono::milliseconds;
using testing::TestConnection;

// Lowers this process's soft descriptor limit to its lowest free descriptor number while it
// lives: every new descriptor (accept, open) then fails with EMFILE, and the ones already open
// keep working. Restores the limit on destruction.
class NoMoreDescriptors {
 public:
  NoMoreDescriptors() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::close(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free);
    ok_ = lowest_free >= 0 && ::setrlimit(RLIMIT_NOFILE, &lowered) == 0;
  }
  ~NoMoreDescriptors() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

struct Listener {
  ListenSocket socket = open_listen_socket("127.0.0.1", 0, 16);
  Listener() { set_nonblocking(socket.fd.get()); }
  int fd() const { return socket.fd.get(); }
};

TEST(ReserveDescriptorTest, RefusesThePendingClientWithACleanClose) {
  Listener listener;
  ReserveDescriptor reserve;
  ASSERT_TRUE(reserve.held());
  TestConnection client = TestConnection::connect(listener.socket.port);
  ASSERT_TRUE(client.ok()) << client.error();
  // A request already sent: it must be discarded, not answered with a reset.
  ASSERT_TRUE(client.send_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(milliseconds(20));  // let the bytes reach the server side

  NoMoreDescriptors exhausted;
  ASSERT_TRUE(exhausted.ok());
  AcceptResult plain = accept_connection(listener.fd(), SocketMode::kNonBlocking);
  ASSERT_EQ(plain.kind, AcceptResult::Kind::kOutOfDescriptors);
  EXPECT_EQ(plain.error, EMFILE);

  ReserveDescriptor::Refusal refusal = reserve.refuse_pending(listener.fd());
  EXPECT_EQ(refusal.outcome, ReserveDescriptor::Refusal::Outcome::kRefused);
  EXPECT_EQ(refusal.peer.rfind("127.0.0.1:", 0), 0u) << refusal.peer;
  EXPECT_TRUE(reserve.held()) << "the reserve is taken back into the refused connection's slot";

  EXPECT_EQ(client.read_until_eof(milliseconds(2000)), "");
  EXPECT_TRUE(client.saw_eof());
  EXPECT_FALSE(client.saw_reset());

  // The queue is empty now: nothing to refuse, and the loop would see EAGAIN.
  EXPECT_EQ(reserve.refuse_pending(listener.fd()).outcome,
            ReserveDescriptor::Refusal::Outcome::kQueueEmpty);
  EXPECT_TRUE(reserve.held());
}

TEST(ReserveDescriptorTest, WithoutAReserveNothingIsRefusedAndTheClientStaysQueued) {
  Listener listener;
  TestConnection client = TestConnection::connect(listener.socket.port);
  ASSERT_TRUE(client.ok()) << client.error();
  {
    NoMoreDescriptors exhausted;
    ASSERT_TRUE(exhausted.ok());
    ReserveDescriptor reserve;  // cannot open anything now
    EXPECT_FALSE(reserve.held());
    ReserveDescriptor::Refusal refusal = reserve.refuse_pending(listener.fd());
    EXPECT_EQ(refusal.outcome, ReserveDescriptor::Refusal::Outcome::kNoRoom);
  }
  // Descriptors are back: the same client is still there to be accepted.
  AcceptResult accepted = accept_connection(listener.fd(), SocketMode::kNonBlocking);
  EXPECT_EQ(accepted.kind, AcceptResult::Kind::kAccepted);
}

TEST(ProbeFreeDescriptorsTest, SaysWhetherThereIsRoomAndLeavesNothingOpen) {
  EXPECT_EQ(probe_free_descriptors(3), 0);
  const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(lowest_free);
  {
    NoMoreDescriptors exhausted;
    ASSERT_TRUE(exhausted.ok());
    EXPECT_EQ(probe_free_descriptors(1), EMFILE);
  }
  const int after = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_EQ(after, lowest_free) << "the probes were all closed again";
  ::close(after);
}

TEST(ExhaustionRefuserTest, RefusesWhileTheReserveHelpsAndPausesWhenItCannot) {
  Listener listener;
  ExhaustionRefuser refuser("test loop");
  TestConnection first = TestConnection::connect(listener.socket.port);
  TestConnection second = TestConnection::connect(listener.socket.port);
  ASSERT_TRUE(first.ok() && second.ok());
  {
    NoMoreDescriptors exhausted;
    ASSERT_TRUE(exhausted.ok());
    using Step = ExhaustionRefuser::Next::Step;
    // Both queued clients are refused, one per call; then the queue is empty, and accept() fails
    // all the same (EMFILE comes before the queue is looked at): back to waiting for readiness.
    EXPECT_EQ(refuser.out_of_descriptors(listener.fd(), EMFILE, "0 connections").step,
              Step::kAcceptAgain);
    EXPECT_EQ(refuser.out_of_descriptors(listener.fd(), EMFILE).step, Step::kAcceptAgain);
    EXPECT_EQ(accept_connection(listener.fd(), SocketMode::kNonBlocking).kind,
              AcceptResult::Kind::kOutOfDescriptors);
    EXPECT_EQ(refuser.out_of_descriptors(listener.fd(), EMFILE).step, Step::kWaitForReadiness);
    EXPECT_TRUE(refuser.backoff().in_episode());
    // Memory, not descriptors: a reserve cannot help, so the answer is a pause, growing.
    ExhaustionRefuser::Next pause = refuser.out_of_descriptors(listener.fd(), ENOBUFS);
    EXPECT_EQ(pause.step, Step::kPause);
    EXPECT_EQ(pause.pause, milliseconds(10));
    EXPECT_EQ(refuser.out_of_descriptors(listener.fd(), ENOBUFS).pause, milliseconds(20));
  }
  EXPECT_EQ(first.read_until_eof(milliseconds(2000)), "");
  EXPECT_EQ(second.read_until_eof(milliseconds(2000)), "");
  EXPECT_TRUE(first.saw_eof() && second.saw_eof());

  refuser.accepted();
  EXPECT_FALSE(refuser.backoff().in_episode());
  EXPECT_EQ(refuser.backoff().episodes(), 1u);
}

}  // namespace
}  // namespace archbench
