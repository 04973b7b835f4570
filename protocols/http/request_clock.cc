#include "protocols/http/request_clock.h"

namespace archbench::http {

void RequestClock::after_need_more(const RequestParser& parser, TimePoint arrival) {
  if (parser.in_header_section()) {
    if (phase_ == Phase::kHeader) return;  // progress does not move a header deadline
    phase_ = Phase::kHeader;
    started_ = arrival;
    deadline_.reset();
    if (header_limit_.count() > 0) deadline_ = arrival + header_limit_;
    return;
  }
  if (parser.in_body()) {
    phase_ = Phase::kBody;  // every read of body bytes restarts the body clock
    started_ = arrival;
    deadline_.reset();
    if (body_limit_.count() > 0) deadline_ = arrival + body_limit_;
    return;
  }
  stop();
}

std::string RequestClock::describe(const RequestParser& parser, TimePoint now) const {
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
  if (phase_ == Phase::kBody) {
    return "body timeout: no body byte for " + std::to_string(waited.count()) + " ms (" +
           std::to_string(parser.body_bytes()) + " of the body's bytes received)";
  }
  return "header timeout: " + std::to_string(parser.header_bytes()) + " bytes of header in " +
         std::to_string(waited.count()) + " ms";
}

Response RequestClock::timeout_response() const {
  Response response;
  response.status = 408;
  response.content_type = "text/plain";
  if (phase_ == Phase::kBody) {
    response.body = "no byte of the request body for " + std::to_string(body_limit_.count()) +
                    " ms";
  } else {
    response.body = "request header section not complete within " +
                    std::to_string(header_limit_.count()) + " ms";
  }
  return response;
}

std::string RequestClock::timeout_reply_bytes(ResponseWriter& writer,
                                              std::chrono::system_clock::time_point wall) const {
  ResponseFraming framing;
  framing.close = true;
  std::string bytes;
  writer.write(timeout_response(), framing, wall, bytes);
  return bytes;
}

}  // namespace archbench::http
