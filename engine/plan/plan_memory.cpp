// Plan::plan_memory: live ranges per buffer, in-place sharing, arena offsets.
//
// Slots that share bytes form a group with one root: a view joins its input's group, and an
// output written in place joins the group of the input it overwrites. A group's buffer lives
// from the step that writes the root to the last step that reads any member.
#include <algorithm>

#include "engine/plan/arena.h"
#include "engine/plan/plan.h"

namespace fovea {
namespace {

int32_t root_of(const std::vector<int32_t>& parent, int32_t slot) {
  while (parent[static_cast<size_t>(slot)] >= 0) slot = parent[static_cast<size_t>(slot)];
  return slot;
}

template <typename Storage>
bool in_an_arena(Storage storage) {
  return storage == Storage::kArena || storage == Storage::kDeviceArena;
}

bool same_layout(const LayoutPtr& a, const LayoutPtr& b) {
  if (!a || !b) return !a && !b;
  return a->equals(*b);
}

}  // namespace

// Concat in place: when a Concat's output is its inputs' bytes end to end, each input's group
// moves into its slice of the output's buffer, so the producers write there and the Concat has
// nothing left to do. Only when every input's group lives in the arena, is read by nothing after
// the Concat (a later in-place write would land in the output), and no group feeds two slices.
void Plan::place_concat_inputs(std::vector<int32_t>& parent, std::vector<int64_t>& group_last) {
  for (size_t i = 0; i < steps_.size(); ++i) {
    Step& step = steps_[i];
    if (!step.kernel || step.dynamic_shape || step.outputs.size() != 1 || step.outputs[0] < 0) {
      continue;
    }
    const auto offsets = step.kernel->input_offsets_in_output();
    if (!offsets || offsets->size() != step.inputs.size()) continue;
    const int32_t out = step.outputs[0];
    const Slot& out_slot = slots_[static_cast<size_t>(out)];
    if (!in_an_arena(out_slot.storage) || parent[static_cast<size_t>(out)] >= 0) continue;
    std::vector<int32_t> roots;
    bool placeable = true;
    for (size_t j = 0; j < step.inputs.size() && placeable; ++j) {
      const int32_t in = step.inputs[j];
      if (in < 0) {
        placeable = false;
        break;
      }
      const int32_t root = root_of(parent, in);
      const Slot& root_slot = slots_[static_cast<size_t>(root)];
      placeable = root != out && root_slot.storage == out_slot.storage &&
                  group_last[static_cast<size_t>(root)] == static_cast<int64_t>(i) &&
                  root_slot.bytes == slots_[static_cast<size_t>(in)].bytes &&
                  (*offsets)[j] + root_slot.bytes <= out_slot.bytes &&
                  std::find(roots.begin(), roots.end(), root) == roots.end();
      roots.push_back(root);
    }
    if (!placeable) continue;
    for (size_t j = 0; j < roots.size(); ++j) {
      parent[static_cast<size_t>(roots[j])] = out;
      slots_[static_cast<size_t>(roots[j])].offset_in_parent = (*offsets)[j];
    }
    step.elided = true;
    step.in_place = true;
  }
}

void Plan::plan_memory() {
  const size_t n_slots = slots_.size();
  const auto n_steps = static_cast<int64_t>(steps_.size());
  std::vector<int64_t> written(n_slots, -1);
  std::vector<int64_t> last_read(n_slots, -1);
  for (int64_t i = 0; i < n_steps; ++i) {
    for (int32_t in : steps_[static_cast<size_t>(i)].inputs) {
      if (in >= 0) last_read[static_cast<size_t>(in)] = i;
    }
    for (int32_t out : steps_[static_cast<size_t>(i)].outputs) {
      if (out >= 0) written[static_cast<size_t>(out)] = i;
    }
  }
  for (int32_t out : output_slots_) last_read[static_cast<size_t>(out)] = n_steps;  // returned

  std::vector<int32_t> parent(n_slots, -1);
  for (size_t s = 0; s < n_slots; ++s) {
    if (slots_[s].storage == Storage::kView) parent[s] = slots_[s].view_of;
  }
  // The last read of each group, views included.
  std::vector<int64_t> group_last(n_slots, -1);
  for (size_t s = 0; s < n_slots; ++s) {
    const auto root = static_cast<size_t>(root_of(parent, static_cast<int32_t>(s)));
    group_last[root] = std::max(group_last[root], last_read[s]);
  }

  // In place: the output takes over an input's buffer when nothing reads that buffer later,
  // no other input of the step reads it, and size and layout agree.
  for (int64_t i = 0; i < n_steps; ++i) {
    Step& step = steps_[static_cast<size_t>(i)];
    if (!step.kernel || step.outputs.empty() || step.outputs[0] < 0) continue;
    const auto k = step.kernel->inplace_input(0);
    if (!k || *k >= step.inputs.size() || step.inputs[*k] < 0) continue;
    const int32_t out = step.outputs[0];
    const int32_t in = step.inputs[*k];
    const int32_t root = root_of(parent, in);
    const Slot& out_slot = slots_[static_cast<size_t>(out)];
    const Slot& root_slot = slots_[static_cast<size_t>(root)];
    if (!in_an_arena(out_slot.storage) || root_slot.storage != out_slot.storage) continue;
    if (group_last[static_cast<size_t>(root)] != i || root_slot.bytes != out_slot.bytes ||
        !same_layout(slots_[static_cast<size_t>(in)].layout, out_slot.layout)) {
      continue;
    }
    bool read_twice = false;
    for (size_t j = 0; j < step.inputs.size(); ++j) {
      if (j != *k && step.inputs[j] >= 0 && root_of(parent, step.inputs[j]) == root) {
        read_twice = true;
      }
    }
    if (read_twice) continue;
    parent[static_cast<size_t>(out)] = in;
    group_last[static_cast<size_t>(root)] =
        std::max(group_last[static_cast<size_t>(root)], group_last[static_cast<size_t>(out)]);
    step.in_place = true;
  }

  place_concat_inputs(parent, group_last);

  // A group's buffer is live from its first write (a Concat's inputs come before the Concat).
  std::vector<int64_t> group_first(n_slots, -1);
  for (size_t s = 0; s < n_slots; ++s) {
    if (written[s] < 0) continue;
    const auto root = static_cast<size_t>(root_of(parent, static_cast<int32_t>(s)));
    if (group_first[root] < 0 || written[s] < group_first[root]) group_first[root] = written[s];
  }

  // One buffer per group whose root lives in an arena; host and device arenas are planned apart.
  for (const Storage arena : {Storage::kArena, Storage::kDeviceArena}) {
    std::vector<ArenaBuffer> buffers;
    std::vector<int32_t> buffer_root;
    for (size_t s = 0; s < n_slots; ++s) {
      if (parent[s] >= 0 || slots_[s].storage != arena) continue;
      const int64_t first = group_first[s];
      buffers.push_back({slots_[s].bytes, first, std::max(first, group_last[s])});
      buffer_root.push_back(static_cast<int32_t>(s));
    }
    const ArenaLayout layout = plan_arena(buffers);
    for (size_t b = 0; b < buffers.size(); ++b) {
      slots_[static_cast<size_t>(buffer_root[b])].offset = layout.offsets[b];
    }
    (arena == Storage::kArena ? arena_bytes_ : device_arena_bytes_) = layout.total_bytes;
  }
  for (size_t s = 0; s < n_slots; ++s) {
    if (!in_an_arena(slots_[s].storage)) continue;
    size_t offset = 0;
    auto slot = static_cast<int32_t>(s);
    for (; parent[static_cast<size_t>(slot)] >= 0; slot = parent[static_cast<size_t>(slot)]) {
      offset += slots_[static_cast<size_t>(slot)].offset_in_parent;
    }
    slots_[s].offset = slots_[static_cast<size_t>(slot)].offset + offset;
  }

  // Per-run tensors, and any value's copy in the other memory, are dropped after their last
  // reader, so peak memory follows liveness.
  for (size_t s = 0; s < n_slots; ++s) {
    if (last_read[s] < 0 || last_read[s] >= n_steps) continue;
    Step& last_reader = steps_[static_cast<size_t>(last_read[s])];
    last_reader.last_read_of.push_back(static_cast<int32_t>(s));
    if (slots_[s].storage == Storage::kFresh || slots_[s].storage == Storage::kView) {
      last_reader.release_after.push_back(static_cast<int32_t>(s));
    }
  }
}

}  // namespace fovea
