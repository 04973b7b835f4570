// The reactor <-> worker message stream: any split, big payloads, corrupt headers.
#include "servers/reactor/ipc_message.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace archbench::reactor {
namespace {

struct Received {
  MessageHeader header;
  std::string payload;
};

std::vector<Received> feed(MessageReader& reader, std::string_view bytes, std::size_t step) {
  std::vector<Received> out;
  for (std::size_t at = 0; at < bytes.size(); at += step) {
    const std::size_t n = std::min(step, bytes.size() - at);
    std::memcpy(reader.prepare(n), bytes.data() + at, n);
    reader.commit(n);
    MessageHeader header;
    std::string_view payload;
    while (reader.next(header, payload)) out.push_back({header, std::string(payload)});
  }
  return out;
}

TEST(IpcMessageTest, RoundTripsEveryFieldAtAnySplit) {
  std::string stream;
  MessageHeader a;
  a.session = 0x123456789abcULL;
  a.seq = 7;
  a.extra = 99;
  a.reactor = 3;
  a.type = MessageType::kReply;
  a.flags = kFlagClose | kFlagUpgraded;
  append_message(stream, a, "hello");
  MessageHeader b;
  b.type = MessageType::kHello;
  append_message(stream, b, "");
  for (std::size_t step : {std::size_t{1}, std::size_t{5}, std::size_t{24}, stream.size()}) {
    MessageReader reader;
    std::vector<Received> got = feed(reader, stream, step);
    ASSERT_EQ(got.size(), 2u) << "step " << step;
    EXPECT_EQ(got[0].header.session, a.session);
    EXPECT_EQ(got[0].header.seq, 7u);
    EXPECT_EQ(got[0].header.extra, 99u);
    EXPECT_EQ(got[0].header.reactor, 3u);
    EXPECT_EQ(got[0].header.type, MessageType::kReply);
    EXPECT_EQ(got[0].header.flags, kFlagClose | kFlagUpgraded);
    EXPECT_EQ(got[0].header.length, 5u);
    EXPECT_EQ(got[0].payload, "hello");
    EXPECT_EQ(got[1].header.type, MessageType::kHello);
    EXPECT_EQ(got[1].payload, "");
    EXPECT_EQ(reader.buffered(), 0u);
  }
}

TEST(IpcMessageTest, LargeMessagesAreNotTruncated) {
  std::string big(5 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>(i);
  std::string stream;
  append_message(stream, MessageHeader{}, big);
  append_message(stream, MessageHeader{}, "tail");
  MessageReader reader;
  std::vector<Received> got = feed(reader, stream, 65536);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].payload == big);
  EXPECT_EQ(got[1].payload, "tail");
}

TEST(IpcMessageTest, AnImpossibleLengthMarksTheStreamCorrupt) {
  std::string stream(kHeaderSize, '\xff');
  MessageReader reader;
  EXPECT_TRUE(feed(reader, stream, stream.size()).empty());
  EXPECT_TRUE(reader.corrupt());
}

TEST(IpcMessageTest, TheWriterBuffersWhatANonBlockingSocketRefuses) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  MessageWriter writer;
  const std::string payload(1 << 20, 'p');
  for (int i = 0; i < 8; ++i) writer.append(MessageHeader{}, payload);
  // 8 MiB never fits a socketpair's buffers: the first flush must stop and keep the rest.
  EXPECT_EQ(writer.flush(fds[0]), MessageWriter::FlushResult::kBlocked);
  EXPECT_GT(writer.pending(), 0u);
  std::thread reader_thread([&] {
    MessageReader reader;
    int messages = 0;
    while (messages < 8) {
      char* into = reader.prepare(65536);
      const ssize_t n = ::read(fds[1], into, 65536);
      if (n <= 0) break;
      reader.commit(static_cast<std::size_t>(n));
      MessageHeader h;
      std::string_view p;
      while (reader.next(h, p)) {
        EXPECT_EQ(p.size(), payload.size());
        ++messages;
      }
    }
    EXPECT_EQ(messages, 8);
  });
  while (writer.pending() > 0) {
    ASSERT_NE(writer.flush(fds[0]), MessageWriter::FlushResult::kError);
    std::this_thread::yield();
  }
  reader_thread.join();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(IpcMessageTest, WritingToAClosedPeerIsAnError) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  ::close(fds[1]);
  MessageWriter writer;
  writer.append(MessageHeader{}, "x");
  EXPECT_EQ(writer.flush(fds[0]), MessageWriter::FlushResult::kError);
  ::close(fds[0]);
}

}  // namespace
}  // namespace archbench::reactor
