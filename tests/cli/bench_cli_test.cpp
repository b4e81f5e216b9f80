// End-to-end tests of `fovea bench`: the fields it reports, its JSON, its profile table and its
// refusals. Timings are only checked for consistency (positive, ordered), never for speed.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/common/fovea_process.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

// `fovea bench ARGS` with stdout and stderr together.
struct BenchOutcome {
  int exit_code = -1;
  std::string output;
};

BenchOutcome run_bench(const std::string& args) {
  const FoveaRun run = run_fovea_program("bench " + args);
  return {run.exit_code, run.output()};
}

// The JSON object in the output (anything a library logs around it is ignored).
nlohmann::json parse_json(const std::string& output) {
  const size_t begin = output.find('{');
  const size_t end = output.rfind('}');
  if (begin == std::string::npos || end == std::string::npos || end < begin) return nullptr;
  return nlohmann::json::parse(output.substr(begin, end - begin + 1), nullptr, false);
}

size_t count_lines(const std::string& text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

const std::string kModel = std::string(FOVEA_SOURCE_DIR) + "/models/mobilenetv2-fp32.onnx";
const std::string kQuick = " --iters 2 --warmup 1 --threads 2";

TEST(FoveaBench, PrintsEveryField) {
  const BenchOutcome r = run_bench(kModel + kQuick);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* field :
       {"model", "backend", "onednn", "batch", "[1,3,224,224]", "load", "first run", "median",
        "p90", "throughput", "images/s", "peak RSS", "arena"}) {
    EXPECT_NE(r.output.find(field), std::string::npos) << field << " missing in\n" << r.output;
  }
}

TEST(FoveaBench, JsonHasConsistentNumbers) {
  const BenchOutcome r = run_bench(kModel + kQuick + " --batch 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = parse_json(r.output);
  ASSERT_TRUE(j.is_object()) << r.output;
  for (const char* key : {"load_ms", "first_run_ms", "median_ms", "p90_ms", "min_ms",
                          "throughput_ips", "peak_rss_mb", "arena_bytes"}) {
    ASSERT_TRUE(j.contains(key) && j[key].is_number()) << key << " in " << r.output;
    EXPECT_GT(j[key].get<double>(), 0) << key;
  }
  EXPECT_EQ(j["backend"], "onednn");
  EXPECT_EQ(j["batch"], 2);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["input_shapes"], nlohmann::json::parse("[[2,3,224,224]]"));
  const double median = j["median_ms"].get<double>();
  EXPECT_LE(j["min_ms"].get<double>(), median);
  EXPECT_LE(median, j["p90_ms"].get<double>());
  EXPECT_NEAR(j["throughput_ips"].get<double>(), 2 * 1000.0 / median, 1e-6 * 2000 / median);
  // Two batch-2 activations of MobileNetV2's first block (2x32x112x112 float32) are alive at
  // once somewhere, so the arena holds at least that much.
  EXPECT_GE(j["arena_bytes"].get<double>(), 2.0 * 2 * 32 * 112 * 112 * 4);
  EXPECT_FALSE(j.contains("profile"));
}

TEST(FoveaBench, ReportsTheOptionsItRanWith) {
  for (const bool huge_pages : {false, true}) {
    const BenchOutcome r =
        run_bench(kModel + kQuick + " --json" + (huge_pages ? " --huge-pages" : ""));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const nlohmann::json j = parse_json(r.output);
    ASSERT_TRUE(j.is_object()) << r.output;
    EXPECT_EQ(j["huge_pages"], huge_pages);
    EXPECT_EQ(j["fast_math"], false);
    EXPECT_EQ(j["optimize"], true);
  }
  const BenchOutcome text = run_bench(kModel + kQuick + " --huge-pages");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("huge pages on"), std::string::npos) << text.output;
}

TEST(FoveaBench, ProfileListsConvStepsWhoseSharesSumToOne) {
  const BenchOutcome r = run_bench(kModel + kQuick + " --profile --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = parse_json(r.output);
  ASSERT_TRUE(j.is_object() && j.contains("profile")) << r.output;
  const nlohmann::json& steps = j["profile"]["steps"];
  ASSERT_TRUE(steps.is_array());
  double share_sum = 0, ms_sum = 0;
  int convs = 0;
  for (const nlohmann::json& step : steps) {
    share_sum += step["share"].get<double>();
    ms_sum += step["ms"].get<double>();
    if (step["op"] == "Conv") {
      ++convs;
      EXPECT_GT(step["macs"].get<double>(), 0) << step.dump();
      EXPECT_FALSE(step["outputs"].get<std::string>().empty()) << step.dump();
    }
  }
  EXPECT_GE(convs, 35);  // MobileNetV2 has 52 convolutions; fusions never remove them
  EXPECT_NEAR(share_sum, 1.0, 1e-3);
  EXPECT_NEAR(ms_sum, j["profile"]["total_ms"].get<double>(), 1e-6 * ms_sum + 1e-9);
}

TEST(FoveaBench, ProfileTableIsPrintedForHumans) {
  const BenchOutcome r = run_bench(kModel + kQuick + " --profile");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("share %"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("GFLOP/s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[1,32,112,112]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" Conv "), std::string::npos) << r.output;
}

TEST(FoveaBench, BadArgumentsAreClearErrors) {
  struct Case {
    std::string args, mentions;
  };
  for (const Case& c :
       {Case{"/nonexistent/nope.onnx", "nope.onnx"}, Case{kModel + " --iters 0", "--iters"},
        Case{kModel + " --backend quantum", "quantum"}}) {
    const BenchOutcome r = run_bench(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.output.find(c.mentions), std::string::npos) << r.output;
    EXPECT_LE(count_lines(r.output), 2u) << r.output;  // the error, and CLI11's --help hint
  }
}

TEST(FoveaBench, AFixedBatchOtherThanTheRequestedOneIsRefused) {
  FOVEA_REQUIRE_SHARED(shared);
  // test_relu's input is float32[3,4,5]: its leading dim is a fixed 3.
  const std::string model = shared + "/onnx-tests/node/test_relu/model.onnx";
  const BenchOutcome refused = run_bench(model + kQuick + " --batch 2");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("fixed batch of 3"), std::string::npos) << refused.output;
  EXPECT_EQ(count_lines(refused.output), 1u) << refused.output;
  const BenchOutcome accepted = run_bench(model + kQuick + " --batch 3 --json");
  EXPECT_EQ(accepted.exit_code, 0) << accepted.output;
  EXPECT_EQ(parse_json(accepted.output)["input_shapes"], nlohmann::json::parse("[[3,4,5]]"));
}

}  // namespace
}  // namespace fovea::testing
