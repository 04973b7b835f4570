// The dispatch policy of the four modes, without processes.
#include "servers/reactor/dispatcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

namespace archbench::reactor {
namespace {

const std::vector<bool> kAllUp = {true, true, true};
int no_load(int) { return 0; }

TEST(DispatcherTest, RoundRobinVisitsEveryWorkerInTurn) {
  Dispatcher d(DispatchMode::kRoundRobin, 3);
  std::vector<int> chosen;
  for (int i = 0; i < 6; ++i) chosen.push_back(d.choose(7, 0, kAllUp, no_load));
  EXPECT_EQ(chosen, (std::vector<int>{0, 1, 2, 0, 1, 2}));
}

TEST(DispatcherTest, RoundRobinSkipsWorkersThatTakeNoWork) {
  Dispatcher d(DispatchMode::kRoundRobin, 3);
  const std::vector<bool> middle_down = {true, false, true};
  std::vector<int> chosen;
  for (int i = 0; i < 4; ++i) chosen.push_back(d.choose(7, 0, middle_down, no_load));
  EXPECT_EQ(chosen, (std::vector<int>{0, 2, 0, 2}));
  EXPECT_EQ(d.choose(7, 0, {false, false, false}, no_load), -1);
}

TEST(DispatcherTest, FixedModeIsSessionModuloWorkersOrNothing) {
  Dispatcher d(DispatchMode::kFixed, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(d.choose(10, 0, kAllUp, no_load), 1);
  EXPECT_EQ(d.choose(12, 0, kAllUp, no_load), 0);
  // Its slot takes no work (a replacement is starting): park, never another slot.
  EXPECT_EQ(d.choose(10, 0, {true, false, true}, no_load), -1);
}

TEST(DispatcherTest, IdleModePicksTheLeastLoadedAndSharesTies) {
  Dispatcher d(DispatchMode::kIdle, 3);
  const int loads[] = {5, 0, 3};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(d.choose(1, 0, kAllUp, [&](int s) { return loads[s]; }), 1);
  }
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30; ++i) ++counts[d.choose(1, 0, kAllUp, no_load)];
  EXPECT_EQ(counts, (std::vector<int>{10, 10, 10}));
  EXPECT_EQ(d.choose(1, 0, {false, false, true}, [&](int s) { return loads[s]; }), 2);
}

TEST(DispatcherTest, ByIpModeKeepsOneAddressOnOneWorker) {
  Dispatcher d(DispatchMode::kByIp, 2);
  sockaddr_storage a{}, b{};
  auto* a4 = reinterpret_cast<sockaddr_in*>(&a);
  auto* b4 = reinterpret_cast<sockaddr_in*>(&b);
  a4->sin_family = b4->sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.2", &a4->sin_addr);
  inet_pton(AF_INET, "127.0.0.3", &b4->sin_addr);
  const std::uint32_t key_a = client_address_key(a), key_b = client_address_key(b);
  EXPECT_EQ(key_a, 0x7f000002u);
  for (std::uint64_t session = 1; session < 10; ++session) {
    EXPECT_EQ(d.choose(session, key_a, {true, true}, no_load), 0);
    EXPECT_EQ(d.choose(session, key_b, {true, true}, no_load), 1);
  }
}

TEST(DispatcherTest, Ipv4MappedIpv6AddressesKeyLikeIpv4) {
  sockaddr_storage a{};
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&a);
  a6->sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:127.0.0.2", &a6->sin6_addr);
  EXPECT_EQ(client_address_key(a), 0x7f000002u);
}

}  // namespace
}  // namespace archbench::reactor
