// Parametrizing tests over backends: every backend compiled into this build, and a skip (with
// the backend's own reason) for one that cannot run on this machine, e.g. cuda without a GPU.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace fovea::testing {

// backend_names(): "reference", "onednn", and "cuda" where it was built.
std::vector<std::string> all_backends();

// Why `backend` cannot be created here, or nullopt when it can (asked once per name).
std::optional<std::string> backend_unavailable(const std::string& backend);

}  // namespace fovea::testing

// Skips the current test, saying why, when `backend` cannot run on this machine.
#define FOVEA_REQUIRE_BACKEND(backend)                                                    \
  if (const auto fovea_why_ = ::fovea::testing::backend_unavailable(backend)) {           \
    GTEST_SKIP() << "backend '" << (backend) << "' is unavailable here: " << *fovea_why_; \
  }
