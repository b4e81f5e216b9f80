#include <cmath>

#include "engine/training/optimizer.h"
#include "engine/training/softmax_cross_entropy.h"

namespace fovea::training {
namespace {

class Adam : public Optimizer {
 public:
  explicit Adam(const OptimizerOptions& options) : options_(options) {}

  void step(const std::vector<Parameter*>& parameters, float lr) override {
    add_l2_penalty(parameters, options_.weight_decay);
    ++steps_;
    const double b1 = options_.beta1;
    const double b2 = options_.beta2;
    const double correction1 = 1 - std::pow(b1, static_cast<double>(steps_));
    const double correction2 = 1 - std::pow(b2, static_cast<double>(steps_));
    for (Parameter* p : parameters) {
      auto [m_it, m_fresh] = p->state.try_emplace("adam.m");
      if (m_fresh) m_it->second = Tensor(DType::kFloat32, p->value.shape());
      auto [v_it, v_fresh] = p->state.try_emplace("adam.v");
      if (v_fresh) v_it->second = Tensor(DType::kFloat32, p->value.shape());
      float* m = m_it->second.data<float>();
      float* v = v_it->second.data<float>();
      float* value = p->value.data<float>();
      const float* grad = p->grad.data<float>();
      for (int64_t i = 0; i < p->value.element_count(); ++i) {
        m[i] = static_cast<float>(b1 * m[i] + (1 - b1) * grad[i]);
        v[i] = static_cast<float>(b2 * v[i] + (1 - b2) * grad[i] * grad[i]);
        const double m_hat = m[i] / correction1;
        const double v_hat = v[i] / correction2;
        value[i] -= static_cast<float>(lr * m_hat / (std::sqrt(v_hat) + options_.epsilon));
      }
    }
  }

 private:
  OptimizerOptions options_;
  int64_t steps_ = 0;
};

}  // namespace

std::unique_ptr<Optimizer> make_adam(const OptimizerOptions& options) {
  return std::make_unique<Adam>(options);
}

}  // namespace fovea::training
