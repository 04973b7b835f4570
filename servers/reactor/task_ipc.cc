#include "servers/reactor/task_ipc.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>
#include <system_error>

namespace archbench::reactor {
namespace {

// "\0archbench-reactor/<run>/<pid>": abstract (no file to clean up; gone with the socket).
socklen_t result_address(std::uint64_t run_id, pid_t worker_pid, sockaddr_un& address) {
  address = sockaddr_un{};
  address.sun_family = AF_UNIX;
  const std::string name = "archbench-reactor/" + std::to_string(run_id) + "/" +
                           std::to_string(worker_pid);
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
}

}  // namespace

TaskQueue make_task_queue() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::system_error(errno, std::generic_category(), "task queue socketpair");
  }
  TaskQueue queue{UniqueFd(fds[0]), UniqueFd(fds[1])};
  return queue;
}

bool enqueue_task(int send_end, const TaskJob& job) {
  for (;;) {
    const ssize_t n = ::send(send_end, &job, sizeof(job), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(sizeof(job))) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

bool dequeue_task(int receive_end, TaskJob& job) {
  for (;;) {
    const ssize_t n = ::recv(receive_end, &job, sizeof(job), MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(sizeof(job))) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n >= 0) errno = EPROTO;  // 0: the queue's other end is gone; else a short record
    return false;
  }
}

UniqueFd open_result_socket(std::uint64_t run_id, pid_t worker_pid) {
  UniqueFd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket) throw std::system_error(errno, std::generic_category(), "result socket");
  sockaddr_un address;
  const socklen_t length = result_address(run_id, worker_pid, address);
  if (::bind(socket.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
    throw std::system_error(errno, std::generic_category(), "bind result socket");
  }
  return socket;
}

UniqueFd open_result_sender() {
  UniqueFd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!socket) throw std::system_error(errno, std::generic_category(), "result sender");
  // A worker that stopped reading must not hold a task worker forever.
  timeval timeout{1, 0};
  ::setsockopt(socket.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  return socket;
}

bool send_result(int socket, std::uint64_t run_id, pid_t worker_pid, const TaskResult& result) {
  sockaddr_un address;
  const socklen_t length = result_address(run_id, worker_pid, address);
  for (;;) {
    const ssize_t n = ::sendto(socket, &result, sizeof(result), MSG_NOSIGNAL,
                               reinterpret_cast<sockaddr*>(&address), length);
    if (n == static_cast<ssize_t>(sizeof(result))) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

bool receive_result(int socket, TaskResult& result) {
  for (;;) {
    const ssize_t n = ::recv(socket, &result, sizeof(result), MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(sizeof(result))) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n >= 0) continue;  // a stray short datagram: skip it
    return false;
  }
}

TaskBoard::TaskBoard(int slots) {
  bytes_ = sizeof(TaskBoardEntry) * static_cast<std::size_t>(slots > 0 ? slots : 1);
  void* memory = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "task board");
  entries_ = static_cast<TaskBoardEntry*>(memory);
  for (int i = 0; i < slots; ++i) new (&entries_[i]) TaskBoardEntry();
}

TaskBoard::~TaskBoard() {
  if (entries_ != nullptr) ::munmap(entries_, bytes_);
}

}  // namespace archbench::reactor
