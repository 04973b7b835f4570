#include "protocols/http/header_timeout.h"

namespace archbench::http {

std::string HeaderClock::describe(const RequestParser& parser, TimePoint now) const {
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
  return "header timeout: " + std::to_string(parser.header_bytes()) + " bytes of header in " +
         std::to_string(waited.count()) + " ms";
}

Response header_timeout_response(std::chrono::milliseconds limit) {
  Response response;
  response.status = 408;
  response.content_type = "text/plain";
  response.body = "request header section not complete within " + std::to_string(limit.count()) +
                  " ms";
  return response;
}

std::string header_timeout_reply_bytes(std::chrono::milliseconds limit, ResponseWriter& writer,
                                       std::chrono::system_clock::time_point wall) {
  ResponseFraming framing;
  framing.close = true;
  std::string bytes;
  writer.write(header_timeout_response(limit), framing, wall, bytes);
  return bytes;
}

}  // namespace archbench::http
