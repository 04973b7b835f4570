#include "servers/core/server_flags.h"

#include <gtest/gtest.h>

namespace archbench {
namespace {

std::optional<int> parse(ServerCommandLine& command_line, std::vector<const char*> args) {
  args.insert(args.begin(), "server");
  return command_line.parse(static_cast<int>(args.size()), args.data());
}

TEST(ServerFlagsTest, DefaultsMatchTheDesign) {
  ServerCommandLine command_line("test_arch", "test");
  ASSERT_EQ(parse(command_line, {}), std::nullopt);
  const CommonOptions& o = command_line.options();
  EXPECT_EQ(o.protocol, Protocol::kEcho);
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 0);
  EXPECT_EQ(o.backlog, 511);
  EXPECT_EQ(o.package_max_length, 2u << 20);
  EXPECT_EQ(o.package_eof, "\r\n");
  EXPECT_EQ(o.ws_max_message, 0u);
  EXPECT_EQ(o.ws_token_secret, "");
  EXPECT_EQ(o.header_timeout_ms, 60000);  // nginx's client_header_timeout
  EXPECT_FALSE(o.trace);
}

TEST(ServerFlagsTest, ParsesEverySharedFlag) {
  ServerCommandLine command_line("test_arch", "test");
  ASSERT_EQ(parse(command_line, {"--host", "::1", "--port", "8080", "--backlog", "64",
                                 "--package-max-length", "1000", "--package-eof", "\\n\\n",
                                 "--ws-max-message", "500", "--ws-token-secret", "s3cret",
                                 "--header-timeout-ms", "1500", "--trace"}),
            std::nullopt);
  const CommonOptions& o = command_line.options();
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 8080);
  EXPECT_EQ(o.backlog, 64);
  EXPECT_EQ(o.package_max_length, 1000u);
  EXPECT_EQ(o.package_eof, "\n\n");
  EXPECT_EQ(o.ws_max_message, 500u);
  EXPECT_EQ(o.ws_token_secret, "s3cret");
  EXPECT_EQ(o.header_timeout_ms, 1500);
  EXPECT_TRUE(o.trace);
}

TEST(ServerFlagsTest, ArchitectureFlagsShareTheParser) {
  ServerCommandLine command_line("test_arch", "test");
  int workers = 1;
  command_line.app().add_option("--workers", workers);
  ASSERT_EQ(parse(command_line, {"--workers", "8", "--port=9"}), std::nullopt);
  EXPECT_EQ(workers, 8);
  EXPECT_EQ(command_line.options().port, 9);
}

TEST(ServerFlagsTest, BadFlagsAndValuesAreExitCodeTwo) {
  const std::vector<std::vector<const char*>> bad = {
      {"--bogus"},
      {"--port", "x"},
      {"--port", "-1"},
      {"--port", "65536"},
      {"--protocol", "ftp"},
      {"--package-eof", "\\z"},
      {"--package-eof", ""},
      {"--package-max-length", "0"},
      {"--backlog", "0"},
      {"--port"},
      {"--header-timeout-ms", "-1"},
      {"--header-timeout-ms", "soon"},
      {"--header-timeout-ms", "86400001"},
      {"--header-timeout-ms"},
  };
  for (const auto& args : bad) {
    ServerCommandLine command_line("test_arch", "test");
    ::testing::internal::CaptureStderr();
    std::optional<int> code = parse(command_line, args);
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 2) << args[0];
    EXPECT_NE(log.find("test_arch"), std::string::npos) << log;
  }
}

TEST(ServerFlagsTest, HelpIsExitCodeZeroOnStdout) {
  ServerCommandLine command_line("test_arch", "test");
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(parse(command_line, {"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(help.find("--package-eof"), std::string::npos) << help;
}

TEST(ServerFlagsTest, EveryProtocolNameIsAccepted) {
  // Whether a protocol is available yet is make_session's business: accepted names either run
  // or fail with exit code 2 and a reason, never anything else.
  for (Protocol p : all_protocols()) {
    ServerCommandLine command_line("test_arch", "test");
    const std::string name(protocol_name(p));
    ::testing::internal::CaptureStderr();
    std::optional<int> code = parse(command_line, {"--protocol", name.c_str()});
    const std::string log = ::testing::internal::GetCapturedStderr();
    if (code.has_value()) {
      EXPECT_EQ(*code, 2) << name;
      EXPECT_NE(log.find("--protocol " + name), std::string::npos) << log;
    } else {
      EXPECT_EQ(command_line.options().protocol, p);
    }
  }
}

TEST(ServerFlagsTest, ProtocolConfigCarriesTheFlagsAndTheArchitecture) {
  ServerCommandLine command_line("select_loop", "test");
  ASSERT_EQ(parse(command_line, {"--package-max-length", "77", "--package-eof", "|",
                                 "--ws-max-message", "55", "--ws-token-secret", "k"}),
            std::nullopt);
  ProtocolConfig shared = command_line.protocol_config(true);
  EXPECT_EQ(shared.server_name, "archbench/select_loop");
  EXPECT_TRUE(shared.can_broadcast);
  EXPECT_EQ(shared.package_max_length, 77u);
  EXPECT_EQ(shared.package_eof, "|");
  EXPECT_EQ(shared.websocket_max_message(), 55u);
  EXPECT_EQ(shared.ws_token_secret, "k");
  ProtocolConfig alone = command_line.protocol_config(false, "one process per connection");
  EXPECT_FALSE(alone.can_broadcast);
  EXPECT_EQ(alone.broadcast_refusal, "one process per connection");
}

TEST(ServerFlagsTest, HeaderTimeoutReachesTheSessionsAndZeroDisablesIt) {
  ServerCommandLine defaults("test_arch", "test");
  ASSERT_EQ(parse(defaults, {}), std::nullopt);
  EXPECT_EQ(defaults.protocol_config(true).header_timeout, std::chrono::milliseconds(60000));

  ServerCommandLine short_limit("test_arch", "test");
  ASSERT_EQ(parse(short_limit, {"--header-timeout-ms=300"}), std::nullopt);
  EXPECT_EQ(short_limit.protocol_config(false).header_timeout, std::chrono::milliseconds(300));

  ServerCommandLine disabled("test_arch", "test");
  ASSERT_EQ(parse(disabled, {"--protocol", "http", "--header-timeout-ms", "0"}), std::nullopt);
  EXPECT_EQ(disabled.protocol_config(true).header_timeout, std::chrono::milliseconds(0));

  ServerCommandLine help("test_arch", "test");
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(parse(help, {"--help"}), 0);
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("--header-timeout-ms"),
            std::string::npos);
}

}  // namespace
}  // namespace archbench
