// Closing a connection without losing the last reply: shutdown, linger, close.
//
// If a server close()s a socket while the peer's unread bytes sit in its receive queue (say the
// client pipelined a request after `Connection: close`), the kernel answers with RST instead of
// FIN, and the client may lose the reply it has not read yet. So a server that closes first
// shuts down its sending side (FIN after the reply), then reads and discards until the peer
// closes too, bounded in time and bytes so a peer that never closes cannot hold the connection.
// nginx calls this "lingering close"; these are the bounds archbench uses everywhere.
//
// Thread-safety: close_gracefully blocks the calling thread; it touches only its socket.
#pragma once

#include <chrono>
#include <cstddef>

#include "servers/core/unique_fd.h"

namespace archbench {

inline constexpr std::chrono::milliseconds kLingerTime{500};
inline constexpr std::size_t kLingerMaxBytes = 1 << 20;

// For blocking drivers: shutdown(SHUT_WR); unless the peer's EOF was already seen, discard input
// until EOF, kLingerTime, kLingerMaxBytes or a stop request; then close.
void close_gracefully(UniqueFd socket, bool peer_eof_seen);

}  // namespace archbench
