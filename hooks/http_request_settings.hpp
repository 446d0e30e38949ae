// An http hook's request is sent by the http check kind's client (probes/http/), so its
// URL, method, headers and expected status are also validated by that kind: the hook's
// values are handed to the kind's parser, and what it reports is put back on the hook's
// own keys (its "url" is the hook's "http").
#pragma once

#include <memory>

#include "config/section.hpp"
#include "hooks/hook_config.hpp"
#include "probes/check.hpp"

namespace graced::hooks {

// Fills `action.kind` and `action.request` from the other fields of `action`, which were
// read from `section`. Returns false (with the problems reported through `section`) when
// the request cannot be built.
bool build_http_request(HttpAction& action, config::Section& section);

}  // namespace graced::hooks
