#include "servers/process/accept_lock.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/core/unique_fd.h"

namespace archbench::process {
namespace {

class NoLock final : public AcceptLock {
 public:
  bool lock() override { return !stop_requested(); }
  void unlock() override {}
};

class FcntlLock final : public AcceptLock {
 public:
  FcntlLock() {
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
                       "/archbench-accept-lock-XXXXXX";
    int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "mkstemp " + path);
    file_.reset(fd);
    // Only the descriptor is needed; unlinking now leaves nothing behind however we exit.
    ::unlink(path.c_str());
  }

  bool lock() override {
    for (;;) {
      if (stop_requested()) return false;
      struct flock request = whole_file(F_WRLCK);
      if (::fcntl(file_.get(), F_SETLKW, &request) == 0) break;
      // EINTR: a signal (our SIGTERM handler has no SA_RESTART): loop to check for a stop.
      if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "fcntl lock");
    }
    if (stop_requested()) {
      unlock();
      return false;
    }
    return true;
  }

  void unlock() override {
    struct flock request = whole_file(F_UNLCK);
    ::fcntl(file_.get(), F_SETLK, &request);
  }

 private:
  static struct flock whole_file(short type) {
    struct flock request {};
    request.l_type = type;
    request.l_whence = SEEK_SET;
    request.l_start = 0;
    request.l_len = 0;  // 0: to the end of the file, however long
    return request;
  }

  UniqueFd file_;
};

class SharedMutexLock final : public AcceptLock {
 public:
  SharedMutexLock() {
    void* memory = ::mmap(nullptr, sizeof(pthread_mutex_t), PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
    mutex_ = static_cast<pthread_mutex_t*>(memory);
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    int error = pthread_mutex_init(mutex_, &attributes);
    pthread_mutexattr_destroy(&attributes);
    if (error != 0) throw std::system_error(error, std::generic_category(), "pthread_mutex_init");
  }

  // Every process unmaps its own view; the mutex itself dies with the last mapping.
  ~SharedMutexLock() override { ::munmap(mutex_, sizeof(pthread_mutex_t)); }

  bool lock() override {
    if (stop_requested()) return false;
    // A signal does not interrupt pthread_mutex_lock (the handler runs, the wait resumes). A
    // stopping holder unlocks soon, and every waiter checks for a stop once it gets the lock.
    int error = pthread_mutex_lock(mutex_);
    if (error == EOWNERDEAD) {
      log_line("accept lock: the previous holder died holding it; recovered");
      pthread_mutex_consistent(mutex_);
      error = 0;
    }
    if (error != 0) throw std::system_error(error, std::generic_category(), "pthread_mutex_lock");
    if (stop_requested()) {
      unlock();
      return false;
    }
    return true;
  }

  void unlock() override { pthread_mutex_unlock(mutex_); }

 private:
  pthread_mutex_t* mutex_ = nullptr;
};

}  // namespace

std::optional<AcceptLockKind> parse_accept_lock(std::string_view name) {
  if (name == "none") return AcceptLockKind::kNone;
  if (name == "fcntl") return AcceptLockKind::kFcntl;
  if (name == "mutex") return AcceptLockKind::kMutex;
  return std::nullopt;
}

std::string_view accept_lock_name(AcceptLockKind kind) {
  switch (kind) {
    case AcceptLockKind::kNone:
      return "none";
    case AcceptLockKind::kFcntl:
      return "fcntl";
    case AcceptLockKind::kMutex:
      return "mutex";
  }
  return "?";
}

std::unique_ptr<AcceptLock> make_accept_lock(AcceptLockKind kind) {
  switch (kind) {
    case AcceptLockKind::kNone:
      return std::make_unique<NoLock>();
    case AcceptLockKind::kFcntl:
      return std::make_unique<FcntlLock>();
    case AcceptLockKind::kMutex:
      return std::make_unique<SharedMutexLock>();
  }
  return std::make_unique<NoLock>();
}

}  // namespace archbench::process
