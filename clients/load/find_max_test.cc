// The --find-max search against an in-process echo server, with short trials.
#include "clients/load/find_max.h"

#include <gtest/gtest.h>

#include "clients/load/report.h"
#include "clients/load/test_server.h"

namespace archbench::load {
namespace {

Options search_options(std::uint16_t port, double slo_ms) {
  Options o;
  o.port = port;
  o.threads = 1;
  o.connections = 2;
  o.duration_s = 0.25;
  o.find_max = true;
  o.slo_p99_ms = slo_ms;
  o.find_max_steps = 3;
  return o;
}

asio::ip::tcp::endpoint loopback(std::uint16_t port) {
  return asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port);
}

TEST(FindMaxTest, GenerousBoundFindsARateBelowTheProbe) {
  testing::TestServer server({});
  int calls = 0;
  const FindMaxResult result = find_max_rate(search_options(server.port(), 500.0),
                                             loopback(server.port()), nullptr,
                                             [&calls](const FindMaxStep&) { ++calls; });
  ASSERT_EQ(result.steps.size(), 4u);  // the closed-loop probe, then three trials
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(result.steps[0].rate, 0.0);
  const double probe = result.steps[0].achieved;
  ASSERT_GT(probe, 0.0);
  // Bisection over (0, 1.1 x probe]: the first trial asks for half of the upper end.
  EXPECT_NEAR(result.steps[1].rate, 0.55 * probe, 1e-6 * probe);
  EXPECT_TRUE(result.steps[1].passed);
  EXPECT_GT(result.best_rate, 0.0);
  EXPECT_LE(result.best_rate, 1.1 * probe);
  ASSERT_TRUE(result.best.has_value());
  EXPECT_TRUE(result.best->options.open_loop());
  EXPECT_FALSE(result.any_wrong_reply);

  const nlohmann::json j = to_json(result);
  EXPECT_EQ(j["find_max"]["steps"].size(), 4u);
  EXPECT_DOUBLE_EQ(j["find_max"]["best_rate"].get<double>(), result.best_rate);
  EXPECT_EQ(j["parameters"]["mode"], "open");
}

TEST(FindMaxTest, ImpossibleBoundFindsNothing) {
  testing::TestServer server({});
  // p99 <= 1 us cannot hold for a request over TCP.
  const FindMaxResult result =
      find_max_rate(search_options(server.port(), 0.001), loopback(server.port()));
  EXPECT_EQ(result.best_rate, 0.0);
  EXPECT_FALSE(result.best.has_value());
  for (std::size_t i = 1; i < result.steps.size(); ++i) EXPECT_FALSE(result.steps[i].passed);
  EXPECT_EQ(to_json(result)["verdict"], "no rate met the SLO");
}

}  // namespace
}  // namespace archbench::load
