#include "probes/exec/exec_check.hpp"

#include <csignal>

#include "process/environment.hpp"

namespace graced::probes {
namespace {

const config::SectionSpec& exec_spec() {
  static const auto& spec = config::register_section({
      "checks.exec",
      "type = \"exec\": runs a command; exit code 0 passes. The first 4 KiB of its output "
      "(stdout and stderr) is the check's message.",
      {
          {"command", "array of strings", "",
           "The program and its arguments, run without a shell (use [\"sh\", \"-c\", \"...\"] "
           "for one; as in every configuration string, ${VAR} is expanded and $$ is a "
           "literal $). It runs in its own process group, all of which is killed at the "
           "timeout or when the command exits."},
          {"workdir", "string", "graced's", "Working directory of the command."},
          {"env", "table", "{}", "Variables added to graced's environment for the command."},
      },
  });
  return spec;
}
[[maybe_unused]] const bool kSpecRegistered = (exec_spec(), true);

}  // namespace

void ExecSettings::emit(config::Emitter::Table& table) const {
  table.set_list("command", command);
  if (!workdir.empty()) table.set("workdir", workdir);
  if (!env.empty()) table.set_table("env", env);
}

ExecCheck::ExecCheck(std::shared_ptr<const ExecSettings> settings, const CheckContext& context)
    : settings_(std::move(settings)),
      context_(context),
      environment_(process::environment_with(settings_->env)) {}

ExecCheck::~ExecCheck() {
  cancel();
}

void ExecCheck::start(Done done) {
  if (!context_.spawner) {
    done(CheckResult::fail("no process spawner"));
    return;
  }
  process::SpawnRequest request;
  request.argv = settings_->command;
  request.env = environment_;
  request.workdir = settings_->workdir;
  request.pdeathsig = SIGKILL;  // a check must not outlive graced
  // The previous run has finished; replacing it is safe even from inside its callback.
  run_ = std::make_unique<process::CapturedCommand>(context_.loop, *context_.spawner);
  output_ = CapturedOutput(kOutputLimit);
  auto error = run_->start(
      std::move(request),
      [this](std::string_view bytes) { output_.append(bytes.data(), bytes.size()); },
      [this, done](const process::ExitStatus& status) { done(result(status, output_.text())); });
  if (error) {
    run_.reset();
    done(CheckResult::fail("cannot run \"" + settings_->command.front() + "\": " + *error));
  }
}

void ExecCheck::cancel() {
  if (run_) {
    run_->kill();
    run_.reset();
  }
}

CheckResult ExecCheck::result(const process::ExitStatus& status, std::string output) const {
  if (const auto& failure = status.exec_failure) {
    std::string why = failure->describe();
    if (failure->stage == "chdir") {
      why = "cannot change to \"" + settings_->workdir + "\": " + why;
    } else if (failure->stage != "exec") {
      why = failure->stage + " failed: " + why;
    }
    return CheckResult::fail("cannot run \"" + settings_->command.front() + "\": " + why);
  }
  if (status.success()) return CheckResult::pass(std::move(output));
  return CheckResult::fail(output.empty() ? status.describe() : std::move(output));
}

const config::SectionSpec& ExecKind::spec() const {
  return exec_spec();
}

std::shared_ptr<const CheckSettings> ExecKind::parse(config::Section& section) const {
  auto settings = std::make_shared<ExecSettings>();
  bool ok = true;
  if (auto command = section.string_list("command")) {
    if (command->empty() || command->front().empty()) {
      section.error("command", "must name the program to run");
      ok = false;
    }
    settings->command = std::move(*command);
  } else {
    if (!section.has("command")) {
      section.error("command", "an exec check needs a command, e.g. [\"pg_isready\", \"-q\"]");
    }
    ok = false;
  }
  if (auto workdir = section.string("workdir")) settings->workdir = std::move(*workdir);
  if (auto env = section.string_table("env")) {
    for (const auto& [key, value] : *env) {
      if (key.empty() || key.find('=') != std::string::npos) {
        section.error("env", "\"" + key + "\" is not a variable name");
        ok = false;
      }
    }
    settings->env = std::move(*env);
  }
  if (!ok) return nullptr;
  return settings;
}

std::unique_ptr<Check> ExecKind::create(std::shared_ptr<const CheckSettings> settings,
                                        const CheckContext& context) const {
  return std::make_unique<ExecCheck>(std::static_pointer_cast<const ExecSettings>(settings),
                                     context);
}

GRACED_REGISTER_CHECK_KIND(ExecKind)

}  // namespace graced::probes
