#include "clients/load/test_server.h"

#include <memory>
#include <vector>

namespace archbench::load::testing {
namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(TestServer& server, asio::ip::tcp::socket socket)
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
        for (;;) {
          auto [used, reply] = server_.config().reply_for(pending_);
          if (used == 0) break;
          pending_.erase(0, used);
          data += reply;
        }
        break;
      }
    }
    write(std::move(data));
  }

  void write(std::string data) {
    auto owned = std::make_shared<std::string>(std::move(data));
    asio::async_write(socket_, asio::buffer(*owned),
                      [self = shared_from_this(), owned](std::error_code error, std::size_t) {
                        if (!error) self->read();
                      });
  }

  TestServer& server_;
  asio::ip::tcp::socket socket_;
  std::vector<char> buffer_;
  std::string pending_;
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
    std::make_shared<Session>(*this, std::move(socket))->start();
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
