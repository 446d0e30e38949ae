// type = "file": a heartbeat file a worker touches. Passes while the file exists and was
// modified within max_age. The stat runs on libuv's thread pool, so a hung network file
// system delays only this check, never the loop.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "probes/check.hpp"

namespace graced::probes {

struct FileSettings : CheckSettings {
  std::string path;
  config::Duration max_age{0};

  void emit(config::Emitter::Table& table) const override;
};

// The check's verdict for a file modified `age` ago (negative: in the future, as after a
// clock step; counted as just now).
CheckResult judge_file_age(config::Duration age, config::Duration max_age);

class FileCheck : public Check {
 public:
  FileCheck(std::shared_ptr<const FileSettings> settings, const CheckContext& context);
  ~FileCheck() override;

  void start(Done done) override;
  void cancel() override;

 private:
  struct StatRequest;
  static void on_stat(uv_fs_t* req);

  std::shared_ptr<const FileSettings> settings_;
  uv_loop_t* loop_;
  StatRequest* in_flight_ = nullptr;  // owned by libuv until its callback
};

class FileKind : public CheckKind {
 public:
  std::string_view type() const override { return "file"; }
  const config::SectionSpec& spec() const override;
  bool is_dependency() const override { return false; }
  std::shared_ptr<const CheckSettings> parse(config::Section& section) const override;
  std::unique_ptr<Check> create(std::shared_ptr<const CheckSettings> settings,
                                const CheckContext& context) const override;
};

}  // namespace graced::probes
