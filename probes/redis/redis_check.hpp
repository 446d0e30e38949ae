// type = "redis": connects, authenticates (AUTH [username] password) and selects the
// database when configured, then passes when PING answers PONG. Errors such as LOADING,
// MASTERDOWN, NOAUTH or WRONGPASS fail the check with the server's message.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/check.hpp"
#include "probes/common/address.hpp"
#include "probes/common/resolver.hpp"
#include "probes/redis/hiredis_poll.hpp"

struct redisAsyncContext;

namespace graced::probes {

struct RedisSettings : CheckSettings {
  std::string address;  // as written: "cache:6379"
  HostPort target;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::int64_t> db;
  void emit(config::Emitter::Table& table) const override;
};

class RedisCheck : public Check {
 public:
  RedisCheck(std::shared_ptr<const RedisSettings> settings, const CheckContext& context)
      : settings_(std::move(settings)), loop_(context.loop), resolver_(context.loop) {}
  ~RedisCheck() override { release(); }
  void start(Done done) override;
  void cancel() override;

 private:
  enum class Step { auth, select, ping };
  static void on_connect(const redisAsyncContext* context, int status);
  static void on_reply(redisAsyncContext* context, void* reply, void* step);

  void connect_next();
  void send_commands(redisAsyncContext* context);
  void record_reply(Step step, const void* reply, const char* context_error);
  void after_event();
  std::string clean(std::string_view message) const;
  void release();
  void finish(CheckResult result);

  std::shared_ptr<const RedisSettings> settings_;
  uv_loop_t* loop_;
  Resolver resolver_;
  HiredisPoll poll_;
  std::vector<sockaddr_storage> addresses_;
  std::size_t next_address_ = 0;
  std::string last_error_;       // why the last address failed
  bool connect_failed_ = false;  // hiredis reported the connect failed: try the next address
  bool releasing_ = false;       // our own redisAsyncFree: its NULL replies mean nothing
  std::optional<CheckResult> outcome_;
  Done done_;
};

class RedisCheckKind : public CheckKind {
 public:
  std::string_view type() const override { return "redis"; }
  const config::SectionSpec& spec() const override;
  bool is_dependency() const override { return true; }
  std::shared_ptr<const CheckSettings> parse(config::Section& section) const override;
  std::unique_ptr<Check> create(std::shared_ptr<const CheckSettings> settings,
                                const CheckContext& context) const override;
};

}  // namespace graced::probes
