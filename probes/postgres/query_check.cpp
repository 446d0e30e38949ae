#include "probes/postgres/query_check.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "probes/postgres/connect_error.hpp"

namespace graced::probes {
namespace {

// The address alone, as libpq's `hostaddr` takes it.
std::string ip_text(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text,
              sizeof text);
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

}  // namespace

void QueryCheck::start(Done done) {
  cancel();
  done_ = std::move(done);
  names_ = settings_->conninfo.names_to_resolve();
  next_name_ = 0;
  addresses_.clear();
  lookup_error_.clear();
  resolve_next();
}

void QueryCheck::cancel() {
  done_ = nullptr;
  resolver_.cancel();
  session_.close();  // PQfinish
}

// One name after the other; then libpq is given the addresses.
void QueryCheck::resolve_next() {
  if (next_name_ == names_.size()) {
    dial();
    return;
  }
  const std::string name = names_[next_name_++];
  resolver_.resolve(name, 0, [this, name](Resolution resolution) {
    if (resolution.ok()) {
      for (const auto& address : resolution.addresses)
        addresses_[name].push_back(ip_text(address));
    } else if (lookup_error_.empty()) {
      lookup_error_ = resolution.error;
    }
    resolve_next();
  });
}

void QueryCheck::dial() {
  ConnOptions options = settings_->conninfo.dial_options(addresses_);
  if (options.empty()) {
    finish(CheckResult::fail(lookup_error_));
    return;
  }
  session_.open(options, *settings_->query, [this](PgOutcome outcome) { finish(judge(outcome)); });
}

CheckResult QueryCheck::judge(const PgOutcome& outcome) const {
  const ConninfoSecrets& secrets = settings_->conninfo.secrets();
  switch (outcome.stage) {
    case PgOutcome::Stage::connected:
    case PgOutcome::Stage::query_succeeded:
      return CheckResult::pass("query succeeded");
    case PgOutcome::Stage::query_failed:
      return CheckResult::fail("query failed: " + secrets.scrub(outcome.error));
    case PgOutcome::Stage::dial_failed:
      break;
  }
  const ConnectError error = read_connect_error(outcome.error);
  if (error.sqlstate == kCannotConnectNow) {
    return CheckResult::fail("rejecting connections: " + secrets.scrub(error.server_message));
  }
  return CheckResult::fail(secrets.scrub(error.reason));
}

void QueryCheck::finish(CheckResult result) {
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));  // last: it may destroy this check
}

}  // namespace graced::probes
