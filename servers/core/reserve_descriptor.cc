#include "servers/core/reserve_descriptor.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "servers/core/accept.h"
#include "servers/core/server_log.h"

namespace archbench {
namespace {

// Bounds the bytes close_refused_connection discards, so a refusal stays cheap.
constexpr std::size_t kRefusalDrainBytes = 64 * 1024;

// Memory shortage is not a descriptor problem: freeing a descriptor would not help accept().
bool descriptors_are_the_problem(int error) { return error == EMFILE || error == ENFILE; }

}  // namespace

void close_refused_connection(UniqueFd connection) {
  ::shutdown(connection.get(), SHUT_WR);
  char sink[4096];
  std::size_t drained = 0;
  while (drained < kRefusalDrainBytes) {
    const ssize_t n = ::recv(connection.get(), sink, sizeof(sink), MSG_DONTWAIT);
    if (n > 0) {
      drained += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN (nothing more yet), EOF or an error: done either way
  }
  // ~UniqueFd closes it.
}

int probe_free_descriptors(int count) {
  std::vector<UniqueFd> probes;
  for (int i = 0; i < count; ++i) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    probes.emplace_back(fd);
  }
  return 0;  // ~UniqueFd closes them all
}

ReserveDescriptor::ReserveDescriptor() { acquire(); }

bool ReserveDescriptor::acquire() {
  if (!reserve_.valid()) reserve_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  return reserve_.valid();
}

ReserveDescriptor::Refusal ReserveDescriptor::refuse_pending(int listen_fd) {
  Refusal result;
  if (!acquire()) return result;  // nothing to give up: still out of descriptors
  reserve_.reset();
  AcceptResult victim = accept_connection(listen_fd, SocketMode::kNonBlocking);
  switch (victim.kind) {
    case AcceptResult::Kind::kAccepted:
      result.outcome = Refusal::Outcome::kRefused;
      result.peer = victim.peer;
      close_refused_connection(std::move(victim.fd));
      break;
    case AcceptResult::Kind::kNothingPending:
    case AcceptResult::Kind::kTransient:  // that connection died in the queue: nothing to refuse
      result.outcome = Refusal::Outcome::kQueueEmpty;
      break;
    default:
      result.outcome = Refusal::Outcome::kNoRoom;
      result.error = victim.error;
      break;
  }
  // Retaken at once, into the slot the refused connection just left. If another thread got there
  // first, held() stays false and the next refusal tries again.
  acquire();
  return result;
}

ExhaustionRefuser::ExhaustionRefuser(std::string who)
    : backoff_(std::move(who), "new clients are accepted and closed at once (reserve descriptor)") {}

ExhaustionRefuser::Next ExhaustionRefuser::out_of_descriptors(int listen_fd, int error,
                                                              std::string_view detail) {
  if (descriptors_are_the_problem(error)) {
    const ReserveDescriptor::Refusal refusal = reserve_.refuse_pending(listen_fd);
    switch (refusal.outcome) {
      case ReserveDescriptor::Refusal::Outcome::kRefused:
        backoff_.refused(error, detail);
        trace_connection("refused-no-descriptors", refusal.peer);
        return {Next::Step::kAcceptAgain, {}};
      case ReserveDescriptor::Refusal::Outcome::kQueueEmpty:
        return {Next::Step::kWaitForReadiness, {}};
      case ReserveDescriptor::Refusal::Outcome::kNoRoom:
        if (refusal.error != 0) error = refusal.error;
        break;
    }
  }
  return {Next::Step::kPause, backoff_.failed(error, detail)};
}

}  // namespace archbench
