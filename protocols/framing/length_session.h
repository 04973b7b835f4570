// --protocol length: every frame (4-byte big-endian body length, then the body) is answered by
// the same frame; a zero-length body is valid.
//
// A length over ProtocolConfig::package_max_length fails that connection as soon as the 4
// header bytes are in: frames before it are still answered, then out.close is set and out.log
// names the length, the limit and, when the header bytes look like something else (`GET `,
// a TLS handshake, text, a little-endian length), the likely cause.
//
// Thread-safety: one connection's state, used by one thread at a time (see Session).
#pragma once

#include <memory>
#include <string>

#include "protocols/framing/length_framer.h"
#include "protocols/session.h"

namespace archbench::framing {

class LengthSession final : public Session {
 public:
  explicit LengthSession(const ProtocolConfig& config);

  void on_bytes(std::string_view data, const Now& now, SessionOutput& out) override;

 private:
  LengthFramer framer_;
  bool closed_ = false;
};

// The log line for a rejected header (exposed for tests and for drivers that frame themselves).
std::string describe_oversize_length_frame(const LengthFramer::Result& failure,
                                           std::size_t max_body_length);

// The factory the session factory calls for Protocol::kLength.
std::unique_ptr<Session> make_length_session(const ProtocolConfig& config);

}  // namespace archbench::framing
