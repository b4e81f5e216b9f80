#include "engine/training/optimizer.h"
#include "engine/training/softmax_cross_entropy.h"

namespace fovea::training {
namespace {

class Sgd : public Optimizer {
 public:
  explicit Sgd(const OptimizerOptions& options) : options_(options) {}

  void step(const std::vector<Parameter*>& parameters, float lr) override {
    add_l2_penalty(parameters, options_.weight_decay);
    const float mu = options_.momentum;
    for (Parameter* p : parameters) {
      float* value = p->value.data<float>();
      const float* grad = p->grad.data<float>();
      const int64_t count = p->value.element_count();
      if (mu == 0) {
        for (int64_t i = 0; i < count; ++i) value[i] -= lr * grad[i];
        continue;
      }
      auto [it, fresh] = p->state.try_emplace("sgd.momentum");
      if (fresh) it->second = p->value.clone();  // the first step's buffer is g (PyTorch)
      float* v = it->second.data<float>();
      for (int64_t i = 0; i < count; ++i) {
        v[i] = fresh ? grad[i] : mu * v[i] + grad[i];
        value[i] -= lr * (options_.nesterov ? grad[i] + mu * v[i] : v[i]);
      }
    }
  }

 private:
  OptimizerOptions options_;
};

}  // namespace

std::unique_ptr<Optimizer> make_sgd(const OptimizerOptions& options) {
  return std::make_unique<Sgd>(options);
}

Result<std::unique_ptr<Optimizer>> make_optimizer(const OptimizerOptions& options) {
  if (options.kind == "sgd") return make_sgd(options);
  if (options.kind == "adam") return make_adam(options);
  return invalid_argument("unknown optimizer '" + options.kind + "' (known: sgd, adam)");
}

}  // namespace fovea::training
