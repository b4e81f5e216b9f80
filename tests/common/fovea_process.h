// Running the real `fovea` program from the end-to-end tests, with stdout and stderr apart
// (--json output is parsed from stdout alone; output() has both for message checks).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fovea::testing {

struct FoveaRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  std::string output() const { return out + err; }
};

inline FoveaRun run_fovea_program(const std::string& args) {
  static int counter = 0;
  const std::filesystem::path err_file =
      std::filesystem::temp_directory_path() /
      ("fovea_stderr_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  const std::string cmd =
      std::string(FOVEA_BINARY_DIR) + "/apps/fovea " + args + " 2>" + err_file.string();
  FoveaRun run;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) run.out += buffer.data();
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  std::stringstream text;
  text << err.rdbuf();
  run.err = text.str();
  std::filesystem::remove(err_file);
  return run;
}

// A fresh folder per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fovea_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

}  // namespace fovea::testing
