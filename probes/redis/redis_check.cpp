#include "probes/redis/redis_check.hpp"

#include <fcntl.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <climits>
#include <cstdint>

#include "config/redact.hpp"

namespace graced::probes {
namespace {

constexpr std::uint16_t kDefaultPort = 6379;

// hiredis carries a reply's command as an opaque pointer.
void* tag(int step) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(step) + 1);
}
int untag(void* privdata) {
  return static_cast<int>(reinterpret_cast<std::uintptr_t>(privdata) - 1);
}

// "Connection refused" -> "connection refused".
std::string sentence_case(std::string text) {
  if (text.size() > 1 && text[0] >= 'A' && text[0] <= 'Z' && text[1] >= 'a' && text[1] <= 'z')
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

}  // namespace

void RedisSettings::emit(config::Emitter::Table& table) const {
  table.set("address", address);
  if (username) table.set("username", *username);
  if (password) table.set("password", *password);  // the emitter redacts it by its key
  if (db) table.set("db", *db);
}

void RedisCheck::start(Done done) {
  cancel();
  done_ = std::move(done);
  resolver_.resolve(settings_->target.host, settings_->target.port, [this](Resolution resolution) {
    if (!resolution.ok()) {
      finish(CheckResult::fail(std::move(resolution.error)));
      return;
    }
    addresses_ = std::move(resolution.addresses);
    next_address_ = 0;
    last_error_.clear();
    connect_next();
  });
}

void RedisCheck::cancel() {
  done_ = nullptr;
  release();
}

void RedisCheck::release() {
  resolver_.cancel();
  if (redisAsyncContext* context = poll_.context()) {
    // Runs the pending reply callbacks with NULL and calls the poll's cleanup hook.
    releasing_ = true;
    redisAsyncFree(context);
    releasing_ = false;
  }
  outcome_.reset();
  connect_failed_ = false;
}

void RedisCheck::connect_next() {
  if (next_address_ == addresses_.size()) {
    finish(CheckResult::fail(last_error_.empty() ? "no address to connect to" : last_error_));
    return;
  }
  std::string unused;
  const std::string peer = format_socket_address(addresses_[next_address_++]);
  const auto ip = parse_host_port(peer, unused);
  // hiredis resolves with getaddrinfo(), which an IP literal never sends to DNS.
  redisAsyncContext* context = ip ? redisAsyncConnect(ip->host.c_str(), ip->port) : nullptr;
  if (!context) {
    finish(CheckResult::fail("cannot create a redis connection"));
    return;
  }
  if (context->err) {
    last_error_ = sentence_case(context->errstr);
    redisAsyncFree(context);
    connect_next();
    return;
  }
  // hiredis 0.14 opens it without CLOEXEC: no process graced starts may inherit it.
  fcntl(context->c.fd, F_SETFD, FD_CLOEXEC);
  context->data = this;
  if (!poll_.attach(loop_, context, [this] { after_event(); })) {
    redisAsyncFree(context);
    finish(CheckResult::fail("cannot watch the redis connection's socket"));
    return;
  }
  connect_failed_ = false;
  redisAsyncSetConnectCallback(context, &RedisCheck::on_connect);
  send_commands(context);
}

// Queued at once and sent together when the connection is up; the first error wins.
void RedisCheck::send_commands(redisAsyncContext* context) {
  const RedisSettings& s = *settings_;
  if (s.password) {
    std::vector<const char*> argv{"AUTH"};
    std::vector<std::size_t> lengths{4};
    if (s.username) {
      argv.push_back(s.username->c_str());
      lengths.push_back(s.username->size());
    }
    argv.push_back(s.password->c_str());
    lengths.push_back(s.password->size());
    redisAsyncCommandArgv(context, &RedisCheck::on_reply, tag(static_cast<int>(Step::auth)),
                          static_cast<int>(argv.size()), argv.data(), lengths.data());
  }
  if (s.db && *s.db != 0) {
    const std::string index = std::to_string(*s.db);
    const char* argv[] = {"SELECT", index.c_str()};
    const std::size_t lengths[] = {6, index.size()};
    redisAsyncCommandArgv(context, &RedisCheck::on_reply, tag(static_cast<int>(Step::select)), 2,
                          argv, lengths);
  }
  const char* argv[] = {"PING"};
  const std::size_t lengths[] = {4};
  redisAsyncCommandArgv(context, &RedisCheck::on_reply, tag(static_cast<int>(Step::ping)), 1, argv,
                        lengths);
}

// hiredis callbacks only record what happened; after_event() acts on it once hiredis has
// returned.
void RedisCheck::on_connect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisCheck*>(context->data);
  if (self->releasing_ || status == REDIS_OK) return;
  self->connect_failed_ = true;  // hiredis frees the context next
  self->last_error_ = sentence_case(context->errstr);
}

void RedisCheck::on_reply(redisAsyncContext* context, void* reply, void* step) {
  auto* self = static_cast<RedisCheck*>(context->data);
  if (self->releasing_ || self->connect_failed_ || self->outcome_) return;
  self->record_reply(static_cast<Step>(untag(step)), reply, context->errstr);
}

void RedisCheck::record_reply(Step step, const void* raw, const char* context_error) {
  const auto* reply = static_cast<const redisReply*>(raw);
  if (!reply) {  // the connection was lost before the answer
    outcome_ = CheckResult::fail(context_error && *context_error ? clean(context_error)
                                                                 : "connection closed");
    return;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    const std::string message = clean(std::string_view(reply->str, reply->len));
    switch (step) {
      case Step::auth:
        outcome_ = CheckResult::fail("AUTH failed: " + message);
        return;
      case Step::select:
        outcome_ = CheckResult::fail("SELECT " + std::to_string(settings_->db.value_or(0)) +
                                     " failed: " + message);
        return;
      case Step::ping:
        outcome_ = CheckResult::fail(message);
        return;
    }
  }
  if (step != Step::ping) return;
  const bool pong = (reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_STRING) &&
                    std::string_view(reply->str, reply->len) == "PONG";
  outcome_ = pong ? CheckResult::pass("PONG") : CheckResult::fail("unexpected reply to PING");
}

void RedisCheck::after_event() {
  if (outcome_) {
    CheckResult result = std::move(*outcome_);
    finish(std::move(result));
    return;
  }
  if (poll_.context()) return;  // still waiting
  // hiredis freed the context: the connect failed (try the next address) or the
  // connection was lost.
  if (connect_failed_) {
    connect_failed_ = false;
    connect_next();
    return;
  }
  finish(CheckResult::fail(last_error_.empty() ? "connection closed" : last_error_));
}

std::string RedisCheck::clean(std::string_view message) const {
  std::string out = sentence_case(std::string(message));
  // Redis does not echo AUTH's arguments; this holds even if a proxy in between does.
  const auto& password = settings_->password;
  if (password && password->size() >= 3) {
    for (auto pos = out.find(*password); pos != std::string::npos; pos = out.find(*password, pos)) {
      out.replace(pos, password->size(), config::kRedacted);
    }
  }
  return out;
}

void RedisCheck::finish(CheckResult result) {
  Done done = std::move(done_);
  done_ = nullptr;
  release();
  if (done) done(std::move(result));  // last: it may destroy this check
}

const config::SectionSpec& RedisCheckKind::spec() const {
  static const auto& spec = config::register_section({
      "checks.redis",
      "type = \"redis\": connects, authenticates and selects the database when configured, and "
      "passes when PING answers PONG.",
      {
          {"address", "string", "",
           "host:port of the server (port 6379 when left out); IPv6 in brackets. Names are "
           "resolved on every attempt and each address is tried in turn."},
          {"password", "string", "unset",
           "Sent with AUTH before PING. Never shown in messages or check-config."},
          {"username", "string", "unset",
           "ACL user (Redis 6+) for AUTH username password; needs password."},
          {"db", "integer", "0", "Database index to SELECT before PING."},
      },
  });
  return spec;
}

std::shared_ptr<const CheckSettings> RedisCheckKind::parse(config::Section& section) const {
  auto settings = std::make_shared<RedisSettings>();
  bool ok = true;
  if (auto address = section.string("address")) {
    std::string error;
    if (auto target = parse_host_port(*address, error, kDefaultPort)) {
      settings->address = *address;
      settings->target = std::move(*target);
    } else {
      section.error("address", error);
      ok = false;
    }
  } else {
    if (!section.has("address"))
      section.error("address", "a redis check needs an address (host:port)");
    ok = false;
  }
  settings->password = section.string("password");
  if (settings->password && settings->password->empty()) {
    section.error("password", "must not be empty (leave it out when the server needs none)");
    ok = false;
  }
  settings->username = section.string("username");
  if (settings->username && settings->username->empty()) {
    section.error("username", "must not be empty");
    ok = false;
  } else if (settings->username && !settings->password) {
    section.error("username", "needs a password (AUTH username password)");
    ok = false;
  }
  if (section.has("db")) {
    settings->db = section.integer("db", 0, INT_MAX);
    if (!settings->db) ok = false;
  }
  return ok ? settings : nullptr;
}

std::unique_ptr<Check> RedisCheckKind::create(std::shared_ptr<const CheckSettings> settings,
                                              const CheckContext& context) const {
  return std::make_unique<RedisCheck>(std::static_pointer_cast<const RedisSettings>(settings),
                                      context);
}

namespace {
[[maybe_unused]] const auto& kRedisSpec = RedisCheckKind{}.spec();
}
GRACED_REGISTER_CHECK_KIND(RedisCheckKind)

}  // namespace graced::probes
