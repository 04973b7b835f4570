// TestConnection: a small blocking TCP client for server tests.
//
// Every read has a timeout and returns what arrived, so a test asserts on exact bytes and a hung
// server shows up as a short reply, never as a hung test. Nothing here calls GoogleTest macros:
// the test decides what a short reply means.
//
//   TestConnection c = TestConnection::connect(server.port());
//   ASSERT_TRUE(c.ok()) << c.error();
//   ASSERT_TRUE(c.send_all("hello"));
//   EXPECT_EQ(c.read_exactly(5), "hello");
//
// Thread-safety: one TestConnection is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace archbench::testing {

inline constexpr std::chrono::milliseconds kDefaultReadTimeout{5000};

class TestConnection {
 public:
  // Connects to host:port (blocking, bounded by `timeout`). Check ok().
  static TestConnection connect(std::uint16_t port, const std::string& host = "127.0.0.1",
                                std::chrono::milliseconds timeout = kDefaultReadTimeout);
  // Adopts a connected descriptor (e.g. one end of a socketpair in unit tests).
  explicit TestConnection(int fd) : fd_(fd) {}
  TestConnection() = default;
  TestConnection(TestConnection&& other) noexcept;
  TestConnection& operator=(TestConnection&& other) noexcept;
  ~TestConnection();

  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  int fd() const { return fd_; }

  // Sends every byte (waiting as long as `timeout` for room). False on error/timeout.
  bool send_all(std::string_view data, std::chrono::milliseconds timeout = kDefaultReadTimeout);

  // Full duplex: sends `data` while reading, until all is sent and `expect` bytes arrived (or
  // EOF/error/timeout); returns what arrived. Use it when replies may be large: a client that
  // sends everything before reading deadlocks against a server whose replies fill the socket.
  std::string send_and_receive(std::string_view data, std::size_t expect,
                               std::chrono::milliseconds timeout = kDefaultReadTimeout);

  // Reads until n bytes arrived, EOF, an error or the timeout; returns what arrived.
  std::string read_exactly(std::size_t n, std::chrono::milliseconds timeout = kDefaultReadTimeout);
  // Reads until `delimiter` has arrived (returned included), EOF, an error or the timeout.
  // Bytes after the delimiter are kept for the next read.
  std::string read_until(std::string_view delimiter,
                         std::chrono::milliseconds timeout = kDefaultReadTimeout);
  // Reads until EOF (or error/timeout); returns everything.
  std::string read_until_eof(std::chrono::milliseconds timeout = kDefaultReadTimeout);
  // Whatever arrives within `wait` (for "nothing more was sent" checks).
  std::string read_available(std::chrono::milliseconds wait);

  // True once a read saw EOF (the server closed its sending side); false after reset.
  bool saw_eof() const { return saw_eof_; }
  // True once a read failed with ECONNRESET.
  bool saw_reset() const { return saw_reset_; }

  void shutdown_write();
  void close();

 private:
  // Reads once into pending_ (waiting up to deadline). False on EOF/error/timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;
  std::string error_;
  bool saw_eof_ = false;
  bool saw_reset_ = false;
};

}  // namespace archbench::testing
