// ThreadRoster: the joinable threads of thread-per-connection, with a cap.
//
// Why not detach(): a detached thread may still be running its last lines (destructors, the
// final trace line) when main returns and the process tears down globals under it. So every
// connection thread stays joinable. When one finishes it puts its id on a "finished" list; the
// accepting thread joins those (reap_finished) before each accept, which keeps the roster as
// small as the number of live connections, and join_all() at stop waits for the rest.
//
// The cap (--max-threads) is what stops "one thread per connection" from becoming "one thread
// per attacker": every thread reserves stack address space (8 MiB by default on Linux, touched
// lazily) and a kernel task, and thread creation itself fails at RLIMIT_NPROC / threads-max.
//
// Thread-safety: spawn/reap_finished/join_all/full/live are called by one thread (the acceptor);
// the spawned threads only touch the finished list, under the mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace archbench::threads {

class ThreadRoster {
 public:
  explicit ThreadRoster(std::size_t max_threads) : max_threads_(max_threads) {}
  ~ThreadRoster() { join_all(); }
  ThreadRoster(const ThreadRoster&) = delete;
  ThreadRoster& operator=(const ThreadRoster&) = delete;

  // True when max_threads threads are still running: the caller must refuse the connection.
  bool full();
  // Threads still running (not yet finished).
  std::size_t live();
  // Starts `body` on a new joinable thread. Throws std::system_error when the system refuses
  // (EAGAIN: out of threads or memory); nothing is started then.
  void spawn(std::function<void()> body);
  // Joins every thread that has finished.
  void reap_finished();
  // Joins every thread (they must be on their way out: the stop pipe wakes them).
  void join_all();

 private:
  const std::size_t max_threads_;
  std::mutex mutex_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::thread> threads_;  // started, not joined yet
  std::vector<std::uint64_t> finished_;           // ids whose body returned
};

}  // namespace archbench::threads
