// The worker side of a reactor thread: its channels to the worker processes, which worker gets
// which request (dispatch modes), parking work no worker can take yet, and what happens when a
// worker retires or dies. See reactor_thread.h for the loop.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "servers/core/server_log.h"
#include "servers/reactor/reactor_thread.h"

namespace archbench::reactor {
namespace {

constexpr std::uint64_t kLinkTag = std::uint64_t{1} << 62;
// Bytes read from a worker channel per wake-up (level-triggered: the rest comes next turn, so
// one chatty worker cannot starve the clients).
constexpr std::size_t kLinkReadChunk = 256 * 1024;

}  // namespace

WorkerLink* ReactorThread::link(std::uint32_t id) {
  if (id == 0) return nullptr;
  auto it = links_.find(id);
  return it == links_.end() ? nullptr : it->second.get();
}

void ReactorThread::adopt_link(NewLink incoming) {
  auto owned = std::make_unique<WorkerLink>();
  WorkerLink& l = *owned;
  l.id = next_link_id_++;
  l.slot = incoming.slot;
  l.generation = incoming.generation;
  l.pid = incoming.pid;
  l.channel = std::move(incoming.channel);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kLinkTag | l.id;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, l.channel.get(), &event) != 0) {
    log_line(std::string("reactor: epoll_ctl(worker channel): ") + std::strerror(errno));
    return;
  }
  l.interest = EPOLLIN;
  links_.emplace(l.id, std::move(owned));
}

void ReactorThread::on_link_event(WorkerLink& l, std::uint32_t events) {
  if (l.state == WorkerLink::State::kGone) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    char* into = l.in.prepare(kLinkReadChunk);
    ssize_t n;
    do {
      n = ::recv(l.channel.get(), into, kLinkReadChunk, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
      l.in.commit(static_cast<std::size_t>(n));
      MessageHeader header;
      std::string_view payload;
      while (l.state != WorkerLink::State::kGone && l.in.next(header, payload)) {
        on_link_message(l, header, payload);
      }
      if (l.in.corrupt()) link_gone(l, "sent a corrupt message header");
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      std::string why = "exited";
      if (l.in.buffered() > 0) {
        why += " (a torn message of " + std::to_string(l.in.buffered()) + " bytes discarded)";
      }
      link_gone(l, why);
      return;
    }
  }
  if ((events & EPOLLOUT) && l.state != WorkerLink::State::kGone) {
    l.dirty = true;
    dirty_links_.push_back(&l);
  }
}

void ReactorThread::on_link_message(WorkerLink& l, const MessageHeader& h, std::string_view payload) {
  switch (h.type) {
    case MessageType::kHello:
      on_hello(l, static_cast<pid_t>(h.extra));
      return;
    case MessageType::kRetiring:
      on_retiring(l);
      return;
    case MessageType::kReply: {
      auto it = l.in_flight.find(h.session);
      if (it != l.in_flight.end()) {
        if (--it->second == 0) l.in_flight.erase(it);
        --l.in_flight_total;
        shared_.slot_load[l.slot].fetch_sub(1, std::memory_order_relaxed);
      }
      ClientEntry* entry = find(h.session);
      if (entry == nullptr) {
        // The client went away while the worker was busy: its reply has nowhere to go. Session
        // ids are never reused, so it can never reach a newer connection by mistake.
        if (trace_enabled()) {
          log_line("trace: dropped reply session=" + std::to_string(h.session) +
                   " seq=" + std::to_string(h.seq) + " (connection closed)");
        }
        return;
      }
      entry->connection->on_reply(h.seq, payload, h.flags);
      touch(*entry->connection);
      return;
    }
    case MessageType::kStreamOut:
      if (ClientEntry* entry = find(h.session)) {
        entry->connection->on_stream_out(payload, (h.flags & kFlagClose) != 0);
        touch(*entry->connection);
      }
      return;
    case MessageType::kJoin:
      if (ClientEntry* entry = find(h.session)) entry->connection->group.assign(payload);
      return;
    case MessageType::kBroadcast:
      if (h.extra <= payload.size()) on_broadcast(payload.substr(0, h.extra), payload.substr(h.extra));
      return;
    default:
      log_line("reactor: unexpected " + std::string(message_type_name(h.type)) +
               " message from worker pid " + std::to_string(l.pid));
      return;
  }
}

void ReactorThread::on_hello(WorkerLink& l, pid_t pid) {
  if (l.state != WorkerLink::State::kStarting) return;
  l.pid = pid;
  l.state = WorkerLink::State::kActive;
  active_by_slot_[l.slot] = &l;
  update_available();
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(shared_.hellos.get(), &one, sizeof(one));
  if (trace_enabled()) {
    log_line("trace: reactor " + std::to_string(index_) + " attached worker " +
             std::to_string(l.slot) + " pid=" + std::to_string(pid) +
             " generation=" + std::to_string(l.generation));
  }
  // Connections that arrived while no worker could own them get one now, then their work.
  std::vector<std::uint64_t> waiting;
  waiting.swap(ownerless_);
  for (std::uint64_t session : waiting) {
    ClientEntry* entry = find(session);
    if (entry != nullptr && !entry->connection->is_closed() && entry->connection->owner_link == 0) {
      assign_owner(*entry->connection, /*migrated=*/false);
    }
  }
  retry_parked();
}

void ReactorThread::on_retiring(WorkerLink& l) {
  if (l.state == WorkerLink::State::kGone) return;
  l.state = WorkerLink::State::kRetiring;
  if (active_by_slot_[l.slot] == &l) {
    active_by_slot_[l.slot] = nullptr;
    update_available();
  }
  send_to(l, MessageType::kRetireAck, 0, 0, {});
  // Stateless connections it owned get a new owner; stateful ones stay until they close or the
  // worker's max wait is over.
  for (auto& [session, entry] : clients_) {
    ClientConnection& c = *entry.connection;
    if (c.owner_link == l.id && !c.pinned && !c.is_closed()) assign_owner(c, /*migrated=*/true);
  }
}

void ReactorThread::on_broadcast(std::string_view group, std::string_view encoded) {
  // A scan, like core's ConnectionTable: membership is the owner worker's business and is
  // reported with kJoin, so the reactor keeps no index that could go stale.
  for (auto& [session, entry] : clients_) {
    ClientConnection& c = *entry.connection;
    if (c.group == group && !c.is_closed()) {
      c.deliver_broadcast(encoded);
      touch(c);
    }
  }
}

void ReactorThread::link_gone(WorkerLink& l, const std::string& why) {
  if (l.state == WorkerLink::State::kGone) return;
  const bool retired = l.state == WorkerLink::State::kRetiring;
  l.state = WorkerLink::State::kGone;
  if (active_by_slot_[l.slot] == &l) {
    active_by_slot_[l.slot] = nullptr;
    update_available();
  }
  l.channel.reset();  // also leaves the epoll set
  shared_.slot_load[l.slot].fetch_sub(l.in_flight_total, std::memory_order_relaxed);

  // Name exactly what is lost: requests it never answered, sessions whose state it held.
  std::string dropped;
  auto name = [&](ClientConnection& c, const std::string& what) {
    if (!dropped.empty()) dropped += ", ";
    dropped += "session " + std::to_string(c.session()) + " (" + c.peer() + ", " + what + ")";
  };
  for (const auto& [session, count] : l.in_flight) {
    ClientEntry* entry = find(session);
    if (entry == nullptr || entry->connection->is_closed()) continue;
    name(*entry->connection, std::to_string(count) + " unanswered request(s)");
    entry->connection->close_now();
    touch(*entry->connection);
  }
  for (auto& [session, entry] : clients_) {
    ClientConnection& c = *entry.connection;
    if (c.owner_link != l.id || c.is_closed()) continue;
    if (c.pinned) {
      name(c, "stateful session");
      c.close_now();
      touch(c);
    } else {
      assign_owner(c, /*migrated=*/true);
    }
  }
  if (!dropped.empty() || !retired) {
    log_line("reactor " + std::to_string(index_) + ": worker " + std::to_string(l.slot) +
             " (pid " + std::to_string(l.pid) + ") " + why +
             (dropped.empty() ? "" : "; closed what it owed: " + dropped));
  }
  l.in_flight.clear();
  l.in_flight_total = 0;
  gone_links_.push_back(l.id);
}

void ReactorThread::update_available() {
  for (std::size_t i = 0; i < active_by_slot_.size(); ++i) available_[i] = active_by_slot_[i] != nullptr;
}

WorkerLink* ReactorThread::choose_link(ClientConnection& c) {
  const int slot = dispatcher_.choose(c.session(), c.address_key(), available_, [this](int s) {
    return shared_.slot_load[s].load(std::memory_order_relaxed);
  });
  return slot < 0 ? nullptr : active_by_slot_[slot];
}

void ReactorThread::assign_owner(ClientConnection& c, bool migrated) {
  WorkerLink* owner = choose_link(c);
  if (owner == nullptr) {
    c.owner_link = 0;
    ownerless_.push_back(c.session());
    return;
  }
  c.owner_link = owner->id;
  send_to(*owner, MessageType::kOpen, c.session(), 0, c.peer(),
          migrated ? kFlagMigrated : kFlagNone);
}

void ReactorThread::send_to(WorkerLink& l, MessageType type, std::uint64_t session,
                            std::uint32_t seq, std::string_view payload, std::uint8_t flags) {
  MessageHeader header;
  header.session = session;
  header.seq = seq;
  header.reactor = static_cast<std::uint16_t>(index_);
  header.type = type;
  header.flags = flags;
  l.out.append(header, payload);
  if (!l.dirty) {
    l.dirty = true;
    dirty_links_.push_back(&l);
  }
}

void ReactorThread::send_request(ClientConnection& c, MessageType type, std::uint32_t seq,
                                 std::string_view payload) {
  if (c.parked > 0 || !try_send_request(c, type, seq, payload)) park(c, type, seq, payload);
}

bool ReactorThread::try_send_request(ClientConnection& c, MessageType type, std::uint32_t seq,
                                     std::string_view payload) {
  WorkerLink* target = nullptr;
  if (type == MessageType::kUpgrade) {
    // The WebSocket session will live in the owner: make sure the owner still takes work.
    WorkerLink* owner = link(c.owner_link);
    if (owner == nullptr || owner->state != WorkerLink::State::kActive) {
      assign_owner(c, /*migrated=*/owner != nullptr);
      owner = link(c.owner_link);
    }
    target = owner;
    if (target != nullptr) c.pinned = true;
  } else {
    target = choose_link(c);
  }
  if (target == nullptr) return false;
  ++target->in_flight[c.session()];
  ++target->in_flight_total;
  shared_.slot_load[target->slot].fetch_add(1, std::memory_order_relaxed);
  send_to(*target, type, c.session(), seq, payload);
  return true;
}

void ReactorThread::send_stream(ClientConnection& c, std::string_view bytes) {
  if (c.parked > 0 || !try_send_to_owner(c, MessageType::kStreamData, bytes)) {
    park(c, MessageType::kStreamData, 0, bytes);
  }
}

void ReactorThread::send_peer_closed(ClientConnection& c) {
  if (c.parked > 0 || !try_send_to_owner(c, MessageType::kPeerClosed, {})) {
    park(c, MessageType::kPeerClosed, 0, {});
  }
}

bool ReactorThread::try_send_to_owner(ClientConnection& c, MessageType type,
                                      std::string_view bytes) {
  WorkerLink* owner = link(c.owner_link);
  if (owner == nullptr || owner->state == WorkerLink::State::kGone) return false;
  send_to(*owner, type, c.session(), 0, bytes);
  return true;
}

void ReactorThread::park(ClientConnection& c, MessageType type, std::uint32_t seq,
                         std::string_view payload) {
  ++c.parked;
  parked_.push_back(Parked{c.session(), type, seq, std::string(payload)});
}

// Called when a worker starts taking work: sends what waited, in order per connection (once
// one message of a connection stays parked, the ones after it stay too).
void ReactorThread::retry_parked() {
  std::deque<Parked> waiting;
  waiting.swap(parked_);
  std::unordered_set<std::uint64_t> still_blocked;
  for (Parked& p : waiting) {
    ClientEntry* entry = find(p.session);
    if (entry == nullptr || entry->connection->is_closed()) continue;
    ClientConnection& c = *entry->connection;
    --c.parked;
    bool sent = false;
    if (still_blocked.count(p.session) == 0) {
      if (p.type == MessageType::kStreamData || p.type == MessageType::kPeerClosed) {
        sent = try_send_to_owner(c, p.type, p.payload);
      } else {
        sent = try_send_request(c, p.type, p.seq, p.payload);
      }
    }
    if (!sent) {
      still_blocked.insert(p.session);
      ++c.parked;
      parked_.push_back(std::move(p));
    }
  }
}

void ReactorThread::flush_links() {
  // A failed flush may close connections, whose close events dirty other links: go round until
  // nothing is left to flush (each round only handles what the previous one caused).
  while (!dirty_links_.empty()) {
    std::vector<WorkerLink*> dirty;
    dirty.swap(dirty_links_);
    for (WorkerLink* l : dirty) {
      l->dirty = false;
      if (l->state == WorkerLink::State::kGone) continue;
      const MessageWriter::FlushResult result = l->out.flush(l->channel.get());
      if (result == MessageWriter::FlushResult::kError) {
        link_gone(*l, std::string("stopped reading its channel (") + std::strerror(errno) + ")");
        continue;
      }
      const std::uint32_t wanted =
          EPOLLIN | (result == MessageWriter::FlushResult::kBlocked ? EPOLLOUT : 0u);
      if (wanted != l->interest) {
        epoll_event event{};
        event.events = wanted;
        event.data.u64 = kLinkTag | l->id;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, l->channel.get(), &event);
        l->interest = wanted;
      }
    }
  }
  // Gone links are forgotten only now: nothing holds a pointer to them any more.
  for (std::uint32_t id : gone_links_) links_.erase(id);
  gone_links_.clear();
}

}  // namespace archbench::reactor
