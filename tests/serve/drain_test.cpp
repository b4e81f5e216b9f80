// Shutdown: requests in flight when the server is told to stop are answered, then it exits;
// the real program does the same on SIGTERM and exits 0.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>

#include "tests/serve/serve_test_util.h"

namespace fovea {
namespace {

using nlohmann::json;

TEST(Drain, StopAnswersRequestsInFlight) {
  serve::ServeOptions options = serve_testing::mobilenet_options();
  options.batching.max_batch = 8;
  options.batching.max_delay_ms = 600;  // the request waits in the queue for company
  serve_testing::RunningServer server(options);
  const std::string body =
      serve_testing::infer_body(serve_testing::random_image(5), {1, 3, 224, 224});
  auto pending = std::async(std::launch::async, [&] {
    auto r = server.client().Post("/v2/models/mnv2/infer", body, "application/json");
    return r ? r->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // parsed and queued by now
  const auto start = std::chrono::steady_clock::now();
  server.stop();  // returns once drained
  EXPECT_EQ(pending.get(), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  // Nothing listens any more.
  httplib::Client c("127.0.0.1", server.port());
  c.set_connection_timeout(1, 0);
  EXPECT_FALSE(c.Get("/v2/health/live"));
}

TEST(Drain, ProgramExitsZeroOnSigterm) {
  const std::string program = std::string(FOVEA_BINARY_DIR) + "/apps/fovea";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    const std::string model = "m=" + serve_testing::source_path("models/mobilenetv2-fp32.onnx");
    execl(program.c_str(), "fovea", "serve", "--model", model.c_str(), "--port", "0", "--threads",
          "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[256] = {};
  ASSERT_NE(fgets(line, sizeof line, stream), nullptr) << "no 'listening' line";
  const std::string text(line);
  const size_t colon = text.rfind(':');
  ASSERT_NE(colon, std::string::npos) << text;
  const int port = std::stoi(text.substr(colon + 1));
  httplib::Client c("127.0.0.1", port);
  auto live = c.Get("/v2/health/live");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  fclose(stream);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace fovea
