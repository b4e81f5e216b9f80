#include "engine/backends/backend_module.h"

#include <dlfcn.h>
#include <link.h>

#include <filesystem>
#include <map>
#include <mutex>

namespace fovea {
namespace {

struct LoadedModules {
  std::mutex mutex;
  std::map<std::string, Result<BackendFactory>> by_path;
};

LoadedModules& loaded_modules() {
  static LoadedModules modules;
  return modules;
}

Result<BackendFactory> open_module(const std::string& backend, const std::string& path) {
  // RTLD_LOCAL: the module's own copy of the engine stays private to it.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return unsupported(backend + ": cannot load " + path + ": " + (why ? why : "dlopen failed"));
  }
  const auto* version =
      static_cast<const char*>(::dlsym(handle, "fovea_backend_module_version"));
  const auto* factory =
      static_cast<const BackendFactory*>(::dlsym(handle, "fovea_backend_module_factory"));
  Status refused;
  if (version == nullptr || factory == nullptr || *factory == nullptr) {
    refused = unsupported(backend + ": " + path + " is not a Fovea backend module");
  } else if (std::string(version) != FOVEA_MODULE_ABI) {
    refused = unsupported(backend + ": " + path + " was built for Fovea " + version + ", not " +
                          FOVEA_MODULE_ABI);
  }
  if (!refused.is_ok()) {
    ::dlclose(handle);  // nothing of it was used
    return refused;
  }
  return *factory;
}

}  // namespace

Result<BackendFactory> load_backend_module(const std::string& backend,
                                           const std::vector<std::string>& candidates) {
  std::string tried;
  for (const std::string& path : candidates) {
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec)) {
      if (!path.empty()) tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    LoadedModules& modules = loaded_modules();
    std::lock_guard<std::mutex> lock(modules.mutex);
    auto found = modules.by_path.find(path);
    if (found == modules.by_path.end()) {
      found = modules.by_path.emplace(path, open_module(backend, path)).first;
    }
    return found->second;
  }
  return Status(StatusCode::kNotFound,
                backend + ": the backend module is not installed (looked for " + tried + ")");
}

std::string engine_binary_folder() {
  Dl_info info{};
  link_map* map = nullptr;
  if (::dladdr1(reinterpret_cast<const void*>(&engine_binary_folder), &info,
                reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) == 0 ||
      map == nullptr) {
    return {};
  }
  // The main program's link map has an empty name: then this code is in the program itself.
  const std::string binary =
      map->l_name != nullptr && map->l_name[0] != '\0' ? map->l_name : "/proc/self/exe";
  std::error_code ec;
  const auto resolved = std::filesystem::canonical(binary, ec);
  return ec ? std::string() : resolved.parent_path().string();
}

}  // namespace fovea
