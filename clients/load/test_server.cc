#include "clients/load/test_server.h"

#include <deque>
#include <memory>
#include <vector>

#include "protocols/websocket/frame.h"

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

class ProtocolSession;

}  // namespace

// The live sessions of a kSession server, so a broadcast reaches every member.
class TestServer::Group {
 public:
  void add(std::weak_ptr<ProtocolSession> session) { sessions_.push_back(std::move(session)); }
  // Hands `message` from `sender` to every session in `group`, with the configured faults.
  void deliver(TestServer& server, const ProtocolSession* sender, std::string_view group,
               const std::string& message);

 private:
  std::vector<std::weak_ptr<ProtocolSession>> sessions_;
  std::uint64_t deliveries_ = 0;  // to members other than the sender
};

namespace {

// kSession: drives the protocol suite's Session over Asio, as a real archbench server does
// (reads, writes in order, deadlines for timers and /sleep, close after the flush), and hands
// broadcasts to the server's group.
class ProtocolSession : public std::enable_shared_from_this<ProtocolSession> {
 public:
  ProtocolSession(TestServer& server, asio::ip::tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        session_(make_session(server.config().protocol, server.config().protocol_config,
                              Clock::now())),
        buffer_(64 * 1024) {}

  void start() {
    server_.group().add(weak_from_this());
    read();
  }

  // A broadcast from another member (or this one) arrives.
  void on_broadcast(const std::string& message) {
    if (closing_) return;
    session_->on_broadcast(message, out_);
    take_output();
  }
  std::string_view broadcast_group() const { return session_->broadcast_group(); }

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
    if (!out_.bytes.empty()) {
      queue_.push_back(std::move(out_.bytes));
      const int every = server_.config().ping_every;
      // The first output is the handshake's answer; pings may only follow it.
      if (every > 0 && ++outputs_ > 1 && (outputs_ - 1) % every == 0) {
        queue_.push_back(websocket::encode_frame(websocket::Opcode::kPing, "still there?"));
        server_.count_ping();
      }
    }
    if (out_.close) closing_ = true;
    std::vector<std::string> broadcasts = std::move(out_.broadcasts);
    out_.clear();
    flush();
    arm_deadline();
    for (const std::string& message : broadcasts) {
      server_.group().deliver(server_, this, session_->broadcast_group(), message);
    }
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

  TestServer& server_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::unique_ptr<Session> session_;
  std::vector<char> buffer_;
  SessionOutput out_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closing_ = false;
  std::uint64_t outputs_ = 0;  // pieces of output queued
};

}  // namespace

void TestServer::Group::deliver(TestServer& server, const ProtocolSession* sender,
                                std::string_view group, const std::string& message) {
  if (group.empty()) return;
  // Copy first: a delivery may end a session, and the list must not change under the loop.
  std::vector<std::shared_ptr<ProtocolSession>> members;
  for (const auto& weak : sessions_) {
    if (auto member = weak.lock(); member && member->broadcast_group() == group) {
      members.push_back(std::move(member));
    }
  }
  for (const auto& member : members) {
    int copies = 1;
    if (member.get() != sender) {
      ++deliveries_;
      if (deliveries_ == server.config().drop_delivery) copies = 0;
      if (deliveries_ == server.config().duplicate_delivery) copies = 2;
    }
    for (int i = 0; i < copies; ++i) member->on_broadcast(message);
  }
}

TestServer::TestServer(ServerConfig config)
    : config_(std::move(config)),
      acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      group_(std::make_unique<Group>()) {
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
