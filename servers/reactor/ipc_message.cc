#include "servers/reactor/ipc_message.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace archbench::reactor {
namespace {

// Keep at most this much capacity in an idle buffer (a 2 MiB message should not pin 2 MiB).
constexpr std::size_t kRetainedCapacity = 256 * 1024;

template <typename T>
void put(char*& p, T value) {
  std::memcpy(p, &value, sizeof(value));
  p += sizeof(value);
}

template <typename T>
T get(const char*& p) {
  T value;
  std::memcpy(&value, p, sizeof(value));
  p += sizeof(value);
  return value;
}

}  // namespace

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kOpen: return "open";
    case MessageType::kClose: return "close";
    case MessageType::kMessage: return "message";
    case MessageType::kHttpRequest: return "http-request";
    case MessageType::kUpgrade: return "upgrade";
    case MessageType::kStreamData: return "stream-data";
    case MessageType::kPeerClosed: return "peer-closed";
    case MessageType::kRetireAck: return "retire-ack";
    case MessageType::kHello: return "hello";
    case MessageType::kReply: return "reply";
    case MessageType::kStreamOut: return "stream-out";
    case MessageType::kJoin: return "join";
    case MessageType::kBroadcast: return "broadcast";
    case MessageType::kRetiring: return "retiring";
  }
  return "unknown";
}

void append_message(std::string& out, MessageHeader header, std::string_view payload) {
  header.length = static_cast<std::uint32_t>(payload.size());
  const std::size_t at = out.size();
  out.resize(at + kHeaderSize);
  char* p = out.data() + at;
  put(p, header.session);
  put(p, header.length);
  put(p, header.seq);
  put(p, header.extra);
  put(p, header.reactor);
  put(p, static_cast<std::uint8_t>(header.type));
  put(p, header.flags);
  out.append(payload);
}

char* MessageReader::prepare(std::size_t n) {
  if (start_ == end_) {
    start_ = end_ = 0;
    if (buffer_.capacity() > kRetainedCapacity && n <= kRetainedCapacity) {
      std::string().swap(buffer_);
    }
  } else if (start_ > 0 && buffer_.size() - end_ < n) {
    // Move the partial message to the front before growing: reads then append after it.
    std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  if (buffer_.size() < end_ + n) buffer_.resize(end_ + n);
  return buffer_.data() + end_;
}

void MessageReader::commit(std::size_t n) { end_ += n; }

bool MessageReader::next(MessageHeader& header, std::string_view& payload) {
  if (corrupt_ || end_ - start_ < kHeaderSize) return false;
  const char* p = buffer_.data() + start_;
  header.session = get<std::uint64_t>(p);
  header.length = get<std::uint32_t>(p);
  header.seq = get<std::uint32_t>(p);
  header.extra = get<std::uint32_t>(p);
  header.reactor = get<std::uint16_t>(p);
  header.type = static_cast<MessageType>(get<std::uint8_t>(p));
  header.flags = get<std::uint8_t>(p);
  if (header.length > kMaxPayload) {
    corrupt_ = true;
    return false;
  }
  if (end_ - start_ < kHeaderSize + header.length) {
    // Make sure the rest fits without many small reallocations.
    if (buffer_.size() < start_ + kHeaderSize + header.length) {
      buffer_.reserve(start_ + kHeaderSize + header.length);
    }
    return false;
  }
  payload = std::string_view(buffer_.data() + start_ + kHeaderSize, header.length);
  start_ += kHeaderSize + header.length;
  return true;
}

MessageWriter::FlushResult MessageWriter::flush(int fd) {
  while (sent_ < buffer_.size()) {
    ssize_t n = ::send(fd, buffer_.data() + sent_, buffer_.size() - sent_,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return FlushResult::kError;
  }
  if (sent_ == buffer_.size()) {
    buffer_.clear();
    sent_ = 0;
    if (buffer_.capacity() > kRetainedCapacity) std::string().swap(buffer_);
    return FlushResult::kDone;
  }
  if (sent_ > kRetainedCapacity && sent_ * 2 > buffer_.size()) {
    buffer_.erase(0, sent_);
    sent_ = 0;
  }
  return FlushResult::kBlocked;
}

}  // namespace archbench::reactor
