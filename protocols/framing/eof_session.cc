#include "protocols/framing/eof_session.h"

#include "protocols/framing/printable_bytes.h"

namespace archbench::framing {

EofSession::EofSession(const ProtocolConfig& config)
    : framer_(config.package_eof, config.package_max_length) {}

void EofSession::on_bytes(std::string_view data, const Now& now, SessionOutput& out) {
  if (closed_) return;  // the driver is closing; later bytes are not ours to answer
  framer_.append(data);
  for (;;) {
    const EofFramer::Result result = framer_.next();
    switch (result.status) {
      case EofFramer::Status::kMessage:
        out.bytes.append(result.message);
        continue;
      case EofFramer::Status::kNeedMore:
        return;
      case EofFramer::Status::kTooLong:
        closed_ = true;
        out.close = true;
        out.log = describe_oversize_eof_message(framer_, result);
        return;
    }
  }
}

std::string describe_oversize_eof_message(const EofFramer& framer,
                                          const EofFramer::Result& failure) {
  const std::string delimiter = printable_bytes(framer.delimiter());
  const std::string limit = std::to_string(framer.max_message_length());
  std::string line = "eof framing: ";
  if (failure.complete) {
    line += "message of " + std::to_string(failure.message.size()) +
            " bytes (delimiter included) exceeds package_max_length " + limit;
  } else {
    line += "message exceeds package_max_length " + limit + " (" +
            std::to_string(failure.message.size()) + " bytes received without the delimiter \"" +
            delimiter + "\")";
    // The commonest cause: the client ends messages with part of the delimiter, e.g. "\n"
    // where "\r\n" is expected. Only worth saying when that part actually occurs.
    const std::string_view full = framer.delimiter();
    if (full.size() > 1 && failure.message.find(full.back()) != std::string_view::npos) {
      line += "; the message contains \"" + printable_bytes(full.substr(full.size() - 1)) +
              "\" alone: the client may end messages with a different delimiter";
    }
  }
  line += "; closing connection";
  return line;
}

std::unique_ptr<Session> make_eof_session(const ProtocolConfig& config) {
  return std::make_unique<EofSession>(config);
}

}  // namespace archbench::framing
