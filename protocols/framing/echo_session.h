// --protocol echo: every byte received is sent back, in order, until the client closes.
//
// Thread-safety: one connection's state, used by one thread at a time (see Session).
#pragma once

#include "protocols/session.h"

namespace archbench::framing {

class EchoSession final : public Session {
 public:
  // Echo has no framing: whatever one read returns goes straight back, so a slow reader
  // back-pressures the writer through the driver's output buffer, not through this class.
  void on_bytes(std::string_view data, const Now& now, SessionOutput& out) override {
    out.bytes.append(data);
  }
};

}  // namespace archbench::framing
