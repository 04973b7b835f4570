// HandoffQueue: accepted connections on their way from the main thread to the pool.
//
// Stevens' "prethreaded server, main thread accept" (UNP ch. 30): the main thread accepts and
// stores each descriptor in a shared array; a mutex and a condition variable let idle threads
// sleep until there is one. His array has a fixed size and the server aborts when it overflows;
// this queue is bounded too, but push() waits for room instead: while every thread is busy and
// the queue is full, the main thread stops accepting and new clients wait in the kernel's listen
// backlog, which is where a full server should keep them.
//
// close() ends the hand-off: push() returns false, pop() returns what is left, then nothing.
// Whoever notices the stop first calls it (main after its accept loop, a worker whose connection
// was stopped), so a main thread waiting for room and workers waiting for work all wake up.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "servers/core/accept.h"

namespace archbench::threads {

class HandoffQueue {
 public:
  explicit HandoffQueue(std::size_t capacity) : capacity_(capacity) {}

  // Waits for room, then queues the connection. False (connection dropped, so closed) once closed.
  bool push(AcceptResult connection) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
    if (closed_) return false;
    queue_.push_back(std::move(connection));
    not_empty_.notify_one();
    return true;
  }

  // Waits for a connection. nullopt once closed and empty.
  std::optional<AcceptResult> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    AcceptResult connection = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return connection;
  }

  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<AcceptResult> queue_;
  bool closed_ = false;
};

}  // namespace archbench::threads
