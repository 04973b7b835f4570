#include "protocols/framing/length_session.h"

#include "protocols/framing/printable_bytes.h"

namespace archbench::framing {

LengthSession::LengthSession(const ProtocolConfig& config)
    : framer_(config.package_max_length) {}

void LengthSession::on_bytes(std::string_view data, const Now& now, SessionOutput& out) {
  if (closed_) return;  // the driver is closing; later bytes are not ours to answer
  framer_.append(data);
  for (;;) {
    const LengthFramer::Result result = framer_.next();
    switch (result.status) {
      case LengthFramer::Status::kFrame:
        out.bytes.append(result.frame);
        continue;
      case LengthFramer::Status::kNeedMore:
        return;
      case LengthFramer::Status::kTooLong:
        closed_ = true;
        out.close = true;
        out.log = describe_oversize_length_frame(result, framer_.max_body_length());
        return;
    }
  }
}

std::string describe_oversize_length_frame(const LengthFramer::Result& failure,
                                           std::size_t max_body_length) {
  std::string line = "length framing: frame length " + std::to_string(failure.length) +
                     " exceeds package_max_length " + std::to_string(max_body_length) +
                     " (header " + hex_bytes(failure.header);
  // Show the header as text too when it is mostly text: "GET " is easier to recognise than
  // "47 45 54 20".
  std::size_t text_bytes = 0;
  for (char c : failure.header) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte <= 0x7e) ++text_bytes;
  }
  if (text_bytes * 2 > failure.header.size()) {
    line += " \"" + printable_bytes(failure.header) + "\"";
  }
  line += ")";
  const std::string cause = likely_cause_of_bad_length(failure.header, max_body_length);
  if (!cause.empty()) line += "; " + cause;
  line += "; closing connection";
  return line;
}

std::unique_ptr<Session> make_length_session(const ProtocolConfig& config) {
  return std::make_unique<LengthSession>(config);
}

}  // namespace archbench::framing
