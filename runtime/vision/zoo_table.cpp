#include "runtime/vision/zoo_table.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fovea::vision {

Result<std::vector<ZooEntry>> read_zoo_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(StatusCode::kNotFound, path + ": cannot open the model table");
  std::vector<ZooEntry> entries;
  int line_number = 0;
  bool header_seen = false;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    if (!header_seen) {  // the column names
      header_seen = true;
      continue;
    }
    std::vector<std::string> fields;
    std::stringstream columns(line);
    for (std::string field; std::getline(columns, field, '\t');) fields.push_back(field);
    if (fields.size() < 6) {
      return invalid_argument(path + ":" + std::to_string(line_number) +
                              ": expected 6 tab-separated fields");
    }
    ZooEntry entry{fields[0], fields[1], fields[2], 0, fields[4], 224};
    try {
      entry.bytes = std::stoll(fields[3]);
      entry.crop = std::stoi(fields[5]);
    } catch (const std::exception&) {
      return invalid_argument(path + ":" + std::to_string(line_number) +
                              ": bytes and crop must be numbers");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

const ZooEntry* find_zoo_entry(const std::vector<ZooEntry>& entries,
                               const std::string& model_path) {
  const std::string name = std::filesystem::path(model_path).filename().string();
  for (const ZooEntry& entry : entries) {
    if (entry.file == name) return &entry;
  }
  return nullptr;
}

}  // namespace fovea::vision
