#include "probes/engine/hysteresis.hpp"

namespace graced::probes {

health::CheckStatus Hysteresis::record(bool ok) {
  if (ok) {
    failures_ = 0;
    if (successes_ < UINT32_MAX) ++successes_;
    if (successes_ >= success_threshold_) status_ = health::CheckStatus::passing;
  } else {
    successes_ = 0;
    if (failures_ < UINT32_MAX) ++failures_;
    if (failures_ >= failure_threshold_) status_ = health::CheckStatus::failing;
  }
  return status_;
}

}  // namespace graced::probes
