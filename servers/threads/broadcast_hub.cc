#include "servers/threads/broadcast_hub.h"

namespace archbench::threads {

BroadcastHub::MemberId BroadcastHub::add(Deliver deliver) {
  std::lock_guard<std::mutex> lock(mutex_);
  const MemberId id = next_id_++;
  members_.emplace(id, Member{std::string(), std::move(deliver)});
  return id;
}

void BroadcastHub::set_group(MemberId id, std::string_view group) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = members_.find(id);
  if (it != members_.end()) it->second.group.assign(group);
}

void BroadcastHub::remove(MemberId id) {
  std::lock_guard<std::mutex> lock(mutex_);
  members_.erase(id);
}

std::size_t BroadcastHub::publish(std::string_view group, const SharedMessage& message) {
  if (group.empty()) return 0;
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t delivered = 0;
  for (auto& [id, member] : members_) {
    if (member.group == group) {
      member.deliver(message);
      ++delivered;
    }
  }
  return delivered;
}

}  // namespace archbench::threads
