#include "protocols/http/response_parser.h"

#include <algorithm>

#include "protocols/http/framing_fields.h"

namespace archbench::http {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// status-line = HTTP-version SP status-code SP [ reason-phrase ]; a missing final SP is
// tolerated (RFC 9112 4: "a client SHOULD ignore the reason-phrase content").
bool parse_status_line(std::string_view line, ParsedResponse& out, ParseError& error) {
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || !is_digit(line[5]) || line[6] != '.' ||
      !is_digit(line[7]) || line[8] != ' ' || !is_digit(line[9]) || !is_digit(line[10]) ||
      !is_digit(line[11]) || (line.size() > 12 && line[12] != ' ')) {
    error = {400, "malformed status line"};
    return false;
  }
  if (line[5] != '1') {
    error = {505, "unsupported HTTP version in response"};
    return false;
  }
  out.version_minor = line[7] == '0' ? 0 : 1;
  out.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (out.status < 100) {
    error = {400, "status code below 100"};
    return false;
  }
  out.reason.assign(line.size() > 13 ? line.substr(13) : std::string_view());
  return true;
}


}  // namespace

const std::string* ParsedResponse::find_header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

ResponseParser::ResponseParser(const ResponseLimits& limits)
    : limits_(limits),
      section_reader_(limits.max_header_section),
      chunked_(limits.max_body, limits.max_header_section) {}

ResponseParser::Result ResponseParser::fail(ParseError error, std::size_t consumed) {
  state_ = State::kError;
  error_ = error;
  return {Status::kError, consumed};
}

ResponseParser::Result ResponseParser::feed(std::string_view data) {
  std::size_t used = 0;
  if (!data.empty()) started_ = true;
  while (true) {
    switch (state_) {
      case State::kHeader: {
        if (used == data.size()) return {Status::kNeedMore, used};
        HeaderSectionReader::Result r = section_reader_.feed(data.substr(used));
        if (r.status == HeaderSectionReader::Status::kNeedMore) {
          return {Status::kNeedMore, used + r.consumed};
        }
        if (r.status == HeaderSectionReader::Status::kTooLarge) {
          return fail({431, "response header section too large"}, used + r.consumed);
        }
        used += r.consumed;
        if (!on_header_section()) return fail(error_, used);
        break;
      }
      case State::kBodyLength: {
        std::size_t take = static_cast<std::size_t>(
            std::min<std::uint64_t>(body_remaining_, data.size() - used));
        if (take == 0) return {Status::kNeedMore, used};
        response_.body.append(data.data() + used, take);
        used += take;
        body_remaining_ -= take;
        if (body_remaining_ == 0) state_ = State::kComplete;
        break;
      }
      case State::kBodyChunked: {
        if (used == data.size()) return {Status::kNeedMore, used};
        ChunkedDecoder::Result r = chunked_.feed(data.substr(used), response_.body);
        used += r.consumed;
        if (r.status == ChunkedDecoder::Status::kError) return fail(chunked_.error(), used);
        if (r.status == ChunkedDecoder::Status::kNeedMore) return {Status::kNeedMore, used};
        state_ = State::kComplete;
        break;
      }
      case State::kBodyUntilClose: {
        std::size_t take = data.size() - used;
        if (response_.body.size() + take > limits_.max_body) {
          return fail({413, "response body over the limit"}, used);
        }
        response_.body.append(data.data() + used, take);
        return {Status::kNeedMore, data.size()};
      }
      case State::kComplete:
        return {Status::kComplete, used};
      case State::kError:
        return {Status::kError, used};
    }
  }
}

bool ResponseParser::on_header_section() {
  const HeaderSectionReader& section = section_reader_;
  if (!section.valid()) {
    error_ = section.error();
    return false;
  }
  if (!parse_status_line(section.line(0), response_, error_)) return false;
  // As in the request parser, header entries are reused across responses (a load client
  // parses millions of them): assign in place, then trim to the new count.
  FramingFields fields;
  auto& headers = response_.headers;
  std::size_t count = 0;
  for (std::size_t k = 1; k + 1 < section.line_count(); ++k) {
    std::string_view name;
    std::string_view value;
    if (!split_field_line(section.line(k), name, value, error_)) return false;
    if (!fields.note(name, value, error_)) return false;
    if (count < headers.size()) {
      headers[count].name.assign(name);
      headers[count].value.assign(value);
    } else {
      headers.push_back(Header{std::string(name), std::string(value)});
    }
    ++count;
  }
  headers.resize(count);
  response_.keep_alive = response_.version_minor == 1
                             ? !fields.connection_close
                             : fields.connection_keep_alive && !fields.connection_close;
  const int status = response_.status;
  if (head_ || (status >= 100 && status < 200) || status == 204 || status == 304) {
    state_ = State::kComplete;
  } else if (fields.has_transfer_encoding) {
    if (!fields.chunked_last) {
      response_.keep_alive = false;
      state_ = State::kBodyUntilClose;
    } else if (fields.coding_count > 1 || fields.chunked_count > 1) {
      error_ = {501, "response transfer coding other than chunked"};
      return false;
    } else {
      chunked_.reset();
      state_ = State::kBodyChunked;
    }
  } else if (fields.has_content_length) {
    if (fields.content_length > limits_.max_body) {
      error_ = {413, "response Content-Length over the limit"};
      return false;
    }
    body_remaining_ = fields.content_length;
    state_ = body_remaining_ == 0 ? State::kComplete : State::kBodyLength;
  } else {
    response_.keep_alive = false;
    state_ = State::kBodyUntilClose;
  }
  return true;
}

ResponseParser::Status ResponseParser::finish() {
  if (state_ == State::kBodyUntilClose) {
    state_ = State::kComplete;
    return Status::kComplete;
  }
  if (state_ == State::kComplete) return Status::kComplete;
  if (state_ == State::kHeader && !started_) return Status::kNeedMore;
  if (state_ != State::kError) {
    state_ = State::kError;
    error_ = {400, "connection closed in the middle of a response"};
  }
  return Status::kError;
}

void ResponseParser::reset() {
  state_ = State::kHeader;
  head_ = false;
  started_ = false;
  section_reader_.reset();
  chunked_.reset();
  body_remaining_ = 0;
  error_ = {};
  response_.status = 0;
  response_.reason.clear();
  response_.version_minor = 1;
  // Header entries stay for reuse; on_header_section sets their count.
  response_.body.clear();
  response_.keep_alive = true;
}

}  // namespace archbench::http
