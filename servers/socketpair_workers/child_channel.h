// ChildChannel: the socketpair between the socketpair_workers parent and one child, and the one
// read the parent does on it. Both modes use it: a notify child writes "D" before it exits, a
// pass-fd worker receives client sockets over it and writes "I" when it is idle again.
//
// The point of a pair per child (docs/socketpair_workers.md): when a child exits, crash or not,
// the kernel closes its end, and the parent's poll() sees EOF on exactly that child's pair.
//
// Thread-safety: plain descriptors; the parent's one thread uses them.
#pragma once

#include <optional>
#include <string>

#include "servers/core/unique_fd.h"

namespace archbench::socketpair_workers {

struct ChildChannel {
  UniqueFd parent_end;  // kept by the parent
  UniqueFd child_end;   // inherited by the child, closed in the parent after the fork
};

// Creates the pair (both ends close-on-exec). Returns 0, or the errno of socketpair(): the
// caller decides whether that is worth a log line (out of descriptors is an episode, logged once
// by its AcceptBackoff).
int make_channel(ChildChannel& channel);

// Reads what a child wrote. Returns the bytes (possibly empty after EINTR), or nullopt at EOF or
// reset: the child has exited (or is exiting right now) and its pair is closed.
std::optional<std::string> read_from_child(int parent_end);

}  // namespace archbench::socketpair_workers
