// The listening socket every architecture starts from, and the READY line that announces it.
//
// Thread-safety: open_listen_socket and announce_ready are called once from main. The descriptor
// may then be shared (polled/accepted on) by any number of threads or forked children: that
// sharing is exactly what prefork and the thread pools study.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "servers/core/unique_fd.h"

namespace archbench {

struct ListenSocket {
  UniqueFd fd;
  std::string host;    // as given on the command line (e.g. "127.0.0.1", "::1", "localhost")
  std::uint16_t port;  // the real port (port 0 asks the kernel for a free one)
};

// Why the socket could not be opened: resolving the host, bind (port taken: EADDRINUSE), listen.
class ListenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Binds host:port with SO_REUSEADDR (so a restarted server can bind while old connections are
// in TIME_WAIT), listens with `backlog`, and marks the descriptor close-on-exec. The socket is
// blocking; event loops call set_nonblocking() on it. Throws ListenError.
ListenSocket open_listen_socket(const std::string& host, int port, int backlog);

// open_listen_socket, or a message on stderr and exit(1) (DESIGN.md: "port taken -> exit 1").
ListenSocket listen_or_exit(const std::string& host, int port, int backlog);

// Prints "READY <host> <port> <pid>\n" on stdout and flushes; pid is this process's. Call it
// only once connections can be accepted (the listen() call is what makes them queue).
void announce_ready(const ListenSocket& socket);

}  // namespace archbench
