#include "clients/load/test_server.h"

#include <deque>
#include <memory>
#include <vector>

namespace archbench::load::testing {
namespace {

class ScriptedSession : public std::enable_shared_from_this<ScriptedSession> {
 public:
  ScriptedSession(TestServer& server, asio::ip::tcp::socket socket)
      : server_(server), socket_(std::move(socket)), buffer_(64 * 1024) {}

  void start() { read(); }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](std::error_code error, std::size_t n) {
                              if (!error) self->on_data(n);
                            });
  }

  void on_data(std::size_t n) {
    std::string data(buffer_.data(), n);
    server_.maybe_stall();
    switch (server_.config().behaviour) {
      case Behaviour::kEcho:
      case Behaviour::kStallOnce:
      case Behaviour::kSession:  // served by ProtocolSession, never here
        break;
      case Behaviour::kCorruptOnce:
        if (server_.take_corrupt_turn()) data[data.size() / 2] ^= 0x20;
        break;
      case Behaviour::kReset: {
        socket_.set_option(asio::socket_base::linger(true, 0));
        std::error_code ignored;
        socket_.close(ignored);
        return;
      }
      case Behaviour::kSilent:
        read();
        return;
      case Behaviour::kWrongBytes:
        data.assign(n, 'x');
        break;
      case Behaviour::kCustom: {
        pending_ += data;
        data.clear();
        bool close = false;
        while (!close) {
          ServerConfig::CannedReply reply = server_.config().reply_for(pending_);
          if (reply.used == 0) break;
          pending_.erase(0, reply.used);
          data += reply.bytes;
          close = reply.close;
        }
        write(std::move(data), close);
        return;
      }
    }
    write(std::move(data));
  }

  void write(std::string data, bool close_after = false) {
    auto owned = std::make_shared<std::string>(std::move(data));
    asio::async_write(socket_, asio::buffer(*owned),
                      [self = shared_from_this(), owned, close_after](std::error_code error,
                                                                      std::size_t) {
                        if (error) return;
                        if (!close_after) {
                          self->read();
                          return;
                        }
                        std::error_code ignored;
                        self->socket_.shutdown(asio::socket_base::shutdown_send, ignored);
                        self->socket_.close(ignored);
                      });
  }

  TestServer& server_;
  asio::ip::tcp::socket socket_;
  std::vector<char> buffer_;
  std::string pending_;
};

// kSession: drives the protocol suite's Session over Asio, as a real archbench server does
// (reads, writes in order, deadlines for timers and /sleep, close after the flush).
class ProtocolSession : public std::enable_shared_from_this<ProtocolSession> {
 public:
  ProtocolSession(TestServer& server, asio::ip::tcp::socket socket)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        session_(make_session(server.config().protocol, server.config().protocol_config)),
        buffer_(64 * 1024) {}

  void start() { read(); }

 private:
  static Now now() { return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()}; }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](std::error_code error, std::size_t n) {
                              if (self->closing_) return;
                              if (error) {
                                self->session_->on_peer_closed(now(), self->out_);
                                self->out_.close = true;
                              } else {
                                self->session_->on_bytes(std::string_view(self->buffer_.data(), n),
                                                         now(), self->out_);
                              }
                              self->take_output();
                              if (!self->closing_) self->read();
                            });
  }

  void take_output() {
    if (!out_.bytes.empty()) queue_.push_back(std::move(out_.bytes));
    if (out_.close) closing_ = true;
    out_.clear();
    flush();
    arm_deadline();
  }

  void flush() {
    if (writing_) return;
    if (queue_.empty()) {
      if (closing_) {
        std::error_code ignored;
        socket_.shutdown(asio::socket_base::shutdown_send, ignored);
        socket_.close(ignored);
        timer_.cancel();
      }
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](std::error_code error, std::size_t) {
                        self->writing_ = false;
                        self->queue_.pop_front();
                        if (error) {
                          self->closing_ = true;
                          self->queue_.clear();
                        }
                        self->flush();
                      });
  }

  void arm_deadline() {
    const auto due = session_->next_deadline();
    if (!due || closing_) return;
    timer_.expires_at(*due);
    timer_.async_wait([self = shared_from_this()](std::error_code error) {
      if (error || self->closing_) return;
      self->session_->on_deadline(now(), self->out_);
      self->take_output();
    });
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::unique_ptr<Session> session_;
  std::vector<char> buffer_;
  SessionOutput out_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closing_ = false;
};

}  // namespace

TestServer::TestServer(ServerConfig config)
    : config_(std::move(config)),
      acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept_next();
  thread_ = std::thread([this] { io_.run(); });
}

TestServer::~TestServer() {
  io_.stop();
  thread_.join();
}

void TestServer::accept_next() {
  acceptor_.async_accept([this](std::error_code error, asio::ip::tcp::socket socket) {
    if (error) return;
    ++accepted_;
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (config_.behaviour == Behaviour::kSession) {
      std::make_shared<ProtocolSession>(*this, std::move(socket))->start();
    } else {
      std::make_shared<ScriptedSession>(*this, std::move(socket))->start();
    }
    accept_next();
  });
}

void TestServer::maybe_stall() {
  if (config_.behaviour != Behaviour::kStallOnce || stalled_.load()) return;
  const auto now = std::chrono::steady_clock::now();
  if (!first_byte_seen_) {
    first_byte_seen_ = true;
    first_byte_at_ = now;
    return;
  }
  if (now - first_byte_at_ >= config_.stall_after) {
    stalled_ = true;
    // Blocking the one server thread stalls every connection, as a whole-process pause does.
    std::this_thread::sleep_for(config_.stall_for);
  }
}

bool TestServer::take_corrupt_turn() { return ++reads_ == config_.corrupt_read; }

std::uint16_t refused_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io,
                                   asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

}  // namespace archbench::load::testing
