#include "servers/threads/thread_roster.h"

namespace archbench::threads {

bool ThreadRoster::full() { return live() >= max_threads_; }

std::size_t ThreadRoster::live() {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_.size() - finished_.size();
}

void ThreadRoster::spawn(std::function<void()> body) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::uint64_t id = next_id_++;
  // Created under the lock, so the thread cannot report itself finished before it is listed.
  std::thread thread([this, id, body = std::move(body)] {
    body();
    std::lock_guard<std::mutex> lock(mutex_);
    finished_.push_back(id);
  });
  threads_.emplace(id, std::move(thread));
}

void ThreadRoster::reap_finished() {
  std::vector<std::thread> done;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::uint64_t id : finished_) {
      auto it = threads_.find(id);
      if (it == threads_.end()) continue;  // joined by join_all() already
      done.push_back(std::move(it->second));
      threads_.erase(it);
    }
    finished_.clear();
  }
  // Joined outside the lock: a finished thread may still need the lock for its last line above.
  for (std::thread& thread : done) thread.join();
}

void ThreadRoster::join_all() {
  std::map<std::uint64_t, std::thread> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    all.swap(threads_);
  }
  for (auto& [id, thread] : all) thread.join();
  std::lock_guard<std::mutex> lock(mutex_);
  finished_.clear();
}

}  // namespace archbench::threads
