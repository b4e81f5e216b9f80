#include "engine/core/graph.h"

#include <algorithm>

namespace fovea {

ValueId Graph::add_value(Value value) {
  if (value.name.empty()) value.name = "_fovea_value_" + std::to_string(values.size());
  const auto id = static_cast<ValueId>(values.size());
  index_[value.name] = id;
  values.push_back(std::move(value));
  return id;
}

void Graph::release_constant(ValueId id) {
  Value& v = value(id);
  if (!v.is_constant()) return;
  v.constant = Tensor();
  v.constant_released = true;
}

ValueId Graph::add_constant(const std::string& base, Tensor value) {
  std::string name = base;
  for (int suffix = 1; find_value(name) != kNoValue; ++suffix) {
    name = base + "_" + std::to_string(suffix);
  }
  Value v;
  v.name = name;
  v.dtype = value.dtype();
  v.shape = value.shape();
  v.rank_known = true;
  v.constant = std::move(value);
  return add_value(std::move(v));
}

ValueId Graph::find_value(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? kNoValue : it->second;
}

std::vector<std::vector<size_t>> Graph::consumers() const {
  std::vector<std::vector<size_t>> result(values.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId in : nodes[n].inputs) {
      if (in == kNoValue) continue;
      auto& list = result[static_cast<size_t>(in)];
      if (list.empty() || list.back() != n) list.push_back(n);
    }
  }
  return result;
}

std::vector<int64_t> Graph::producers() const {
  std::vector<int64_t> result(values.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId out : nodes[n].outputs) {
      if (out != kNoValue) result[static_cast<size_t>(out)] = static_cast<int64_t>(n);
    }
  }
  return result;
}

bool Graph::is_graph_output(ValueId id) const {
  return std::find(outputs.begin(), outputs.end(), id) != outputs.end();
}

Status Graph::topological_sort() {
  const auto producer = producers();
  std::vector<bool> available(values.size(), false);
  for (ValueId id : inputs) available[static_cast<size_t>(id)] = true;
  for (size_t v = 0; v < values.size(); ++v) {
    if (values[v].is_constant()) available[v] = true;
  }
  // Kahn's algorithm over nodes, keeping the original order among ready nodes.
  std::vector<size_t> missing(nodes.size(), 0);
  std::vector<std::vector<size_t>> waiting(values.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId in : nodes[n].inputs) {
      if (in == kNoValue || available[static_cast<size_t>(in)]) continue;
      if (producer[static_cast<size_t>(in)] < 0) {
        return invalid_argument(describe_node(nodes[n]) + ": input '" +
                                values[static_cast<size_t>(in)].name +
                                "' is not produced by any node, initializer or graph input");
      }
      ++missing[n];
      waiting[static_cast<size_t>(in)].push_back(n);
    }
  }
  std::vector<size_t> order;
  std::vector<size_t> ready;
  for (size_t n = nodes.size(); n-- > 0;) {
    if (missing[n] == 0) ready.push_back(n);
  }
  while (!ready.empty()) {
    const size_t n = ready.back();
    ready.pop_back();
    order.push_back(n);
    std::vector<size_t> newly_ready;
    for (ValueId out : nodes[n].outputs) {
      if (out == kNoValue) continue;
      for (size_t waiter : waiting[static_cast<size_t>(out)]) {
        if (--missing[waiter] == 0) newly_ready.push_back(waiter);
      }
      waiting[static_cast<size_t>(out)].clear();
    }
    std::sort(newly_ready.rbegin(), newly_ready.rend());
    ready.insert(ready.end(), newly_ready.begin(), newly_ready.end());
    std::sort(ready.rbegin(), ready.rend());  // smallest original index runs first
  }
  if (order.size() != nodes.size()) {
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (missing[n] != 0) {
        return invalid_argument(describe_node(nodes[n]) +
                                ": the graph has a cycle through this node");
      }
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  for (size_t n : order) sorted.push_back(std::move(nodes[n]));
  nodes = std::move(sorted);
  return Status::ok();
}

std::string Graph::describe_node(const Node& node) const {
  std::string out = source.empty() ? "" : source + ": ";
  out += "node '" + node.name + "' (" + node.op_type + ")";
  return out;
}

void Graph::reindex() {
  index_.clear();
  for (size_t i = 0; i < values.size(); ++i) index_[values[i].name] = static_cast<ValueId>(i);
}

}  // namespace fovea
