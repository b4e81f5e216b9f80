// End-to-end tests of the `fovea` program: real processes, real files, exit codes and messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "importers/onnx/tensor_file.h"
#include "tests/common/fovea_process.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {
namespace fs = std::filesystem;

using FoveaCli = TempDirTest;

const std::string kModel = std::string(FOVEA_SOURCE_DIR) + "/models/mobilenetv2-fp32.onnx";
const std::string kSample = std::string(FOVEA_SOURCE_DIR) + "/models/samples/chelsea_input_0.pb";
const std::string kLabels = std::string(FOVEA_SOURCE_DIR) + "/models/imagenet_classes.txt";

TEST_F(FoveaCli, RunClassifiesTheBundledSampleOnBothBackends) {
  for (const std::string backend : {"onednn", "reference"}) {
    const fs::path out = dir_ / backend;
    const FoveaRun r =
        run_fovea_program("run " + kModel + " --input " + kSample + " --output-dir " +
                          out.string() + " --backend " + backend + " --labels " + kLabels);
    ASSERT_EQ(r.exit_code, 0) << r.output();
    EXPECT_NE(r.output().find("Egyptian cat"), std::string::npos) << r.output();
    EXPECT_NE(r.output().find("load"), std::string::npos) << r.output();
    auto logits = read_tensor_file((out / "output_0.pb").string());
    ASSERT_TRUE(logits.is_ok()) << logits.status().message();
    ASSERT_EQ(logits->shape(), (Shape{1, 1000}));
    const float* p = logits->data<float>();
    EXPECT_EQ(std::max_element(p, p + 1000) - p, 285);  // "Egyptian cat" in imagenet_classes.txt
  }
}

TEST_F(FoveaCli, RunDoesNotOverwriteOutputsWithoutForce) {
  const std::string args =
      "run " + kModel + " --input " + kSample + " --output-dir " + dir_.string();
  ASSERT_EQ(run_fovea_program(args).exit_code, 0);
  const auto written = fs::last_write_time(dir_ / "output_0.pb");
  const FoveaRun again = run_fovea_program(args);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output().find("output_0.pb"), std::string::npos) << again.output();
  EXPECT_EQ(fs::last_write_time(dir_ / "output_0.pb"), written);
  EXPECT_EQ(run_fovea_program(args + " --force").exit_code, 0);
}

TEST_F(FoveaCli, MissingModelIsOneClearLine) {
  const FoveaRun r =
      run_fovea_program("run " + (dir_ / "nope.onnx").string() + " --output-dir " + dir_.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output().find("nope.onnx"), std::string::npos) << r.output();
}

TEST_F(FoveaCli, NotAModelIsAClearErrorNotACrash) {
  const fs::path bogus = dir_ / "bogus.onnx";
  { std::ofstream(bogus) << "this is not a protobuf"; }
  const FoveaRun r = run_fovea_program("run " + bogus.string() + " --output-dir " + dir_.string());
  EXPECT_EQ(r.exit_code, 1) << r.output();
  EXPECT_NE(r.output().find("bogus.onnx"), std::string::npos) << r.output();
}

TEST_F(FoveaCli, UnknownBackendIsRejected) {
  const FoveaRun r =
      run_fovea_program("run " + kModel + " --output-dir " + dir_.string() + " --backend quantum");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output().find("quantum"), std::string::npos) << r.output();
}

TEST_F(FoveaCli, ConformanceCountsCases) {
  FOVEA_REQUIRE_SHARED(shared);
  const FoveaRun r = run_fovea_program("conformance " + shared + "/onnx-tests/node/test_relu " +
                                       shared + "/onnx-tests/node/test_add_int8 --backend onednn");
  EXPECT_EQ(r.exit_code, 0) << r.output();
  EXPECT_NE(r.output().find("1 passed, 0 failed, 1 unsupported"), std::string::npos) << r.output();
}

TEST_F(FoveaCli, ConformanceFailsOnAWrongExpectedOutput) {
  FOVEA_REQUIRE_SHARED(shared);
  // A copy of test_relu whose expected output is replaced by its input: must be reported FAIL.
  const fs::path src = fs::path(shared) / "onnx-tests/node/test_relu";
  const fs::path dst = dir_ / "test_relu_tampered";
  fs::copy(src, dst, fs::copy_options::recursive);
  fs::permissions(dst, fs::perms::owner_all, fs::perm_options::add);  // shared/ is read-only
  for (const auto& entry : fs::recursive_directory_iterator(dst)) {
    fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add);
  }
  fs::remove(dst / "test_data_set_0/output_0.pb");
  fs::copy_file(dst / "test_data_set_0/input_0.pb", dst / "test_data_set_0/output_0.pb");
  const FoveaRun r = run_fovea_program("conformance " + dst.string());
  EXPECT_EQ(r.exit_code, 1) << r.output();
  EXPECT_NE(r.output().find("FAIL"), std::string::npos) << r.output();
  EXPECT_NE(r.output().find("0 passed, 1 failed"), std::string::npos) << r.output();
}

}  // namespace
}  // namespace fovea::testing
