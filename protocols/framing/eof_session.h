// --protocol eof: every message that ends with the delimiter (ProtocolConfig::package_eof) is
// answered by itself, delimiter included. An empty message (the delimiter alone) is valid.
// Replies are never merged: n messages in, n replies out, in order.
//
// A message over ProtocolConfig::package_max_length (delimiter included) fails that connection:
// the messages before it in the same read are still answered, then out.close is set and
// out.log says why. Nothing is answered for the oversized message or anything after it.
//
// When the peer closes with an unterminated message buffered, that partial message is dropped
// (it never became a message); the connection closes.
//
// Thread-safety: one connection's state, used by one thread at a time (see Session).
#pragma once

#include <memory>

#include "protocols/framing/eof_framer.h"
#include "protocols/session.h"

namespace archbench::framing {

class EofSession final : public Session {
 public:
  // Throws std::invalid_argument for an empty package_eof or a limit shorter than it.
  explicit EofSession(const ProtocolConfig& config);

  void on_bytes(std::string_view data, const Now& now, SessionOutput& out) override;

 private:
  EofFramer framer_;
  bool closed_ = false;
};

// The log line for a message over the limit (exposed for tests and for drivers that frame
// themselves, such as reactor threads).
std::string describe_oversize_eof_message(const EofFramer& framer,
                                          const EofFramer::Result& failure);

// The factory the session factory calls for Protocol::kEof.
std::unique_ptr<Session> make_eof_session(const ProtocolConfig& config);

}  // namespace archbench::framing
