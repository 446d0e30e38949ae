// type = "exec": runs a command; exit code 0 passes, anything else fails, and the first
// 4 KiB of its output (stdout and stderr together, trimmed) is the message.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "probes/check.hpp"
#include "probes/exec/captured_output.hpp"
#include "process/captured_command.hpp"

namespace graced::probes {

struct ExecSettings : CheckSettings {
  std::vector<std::string> command;
  std::string workdir;                                   // empty: graced's own
  std::vector<std::pair<std::string, std::string>> env;  // added to graced's environment

  void emit(config::Emitter::Table& table) const override;
};

class ExecCheck : public Check {
 public:
  ExecCheck(std::shared_ptr<const ExecSettings> settings, const CheckContext& context);
  ~ExecCheck() override;

  void start(Done done) override;
  void cancel() override;

 private:
  CheckResult result(const process::ExitStatus& status, std::string output) const;

  std::shared_ptr<const ExecSettings> settings_;
  CheckContext context_;
  std::vector<std::string> environment_;  // built once: graced's environment plus `env`
  // Only the first this many bytes of output are kept.
  static constexpr std::size_t kOutputLimit = 4096;
  std::unique_ptr<process::CapturedCommand> run_;
  CapturedOutput output_{kOutputLimit};
};

class ExecKind : public CheckKind {
 public:
  std::string_view type() const override { return "exec"; }
  const config::SectionSpec& spec() const override;
  bool is_dependency() const override { return false; }
  std::shared_ptr<const CheckSettings> parse(config::Section& section) const override;
  std::unique_ptr<Check> create(std::shared_ptr<const CheckSettings> settings,
                                const CheckContext& context) const override;
};

}  // namespace graced::probes
