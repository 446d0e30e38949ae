// The command line: which verb graced runs and with what.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "manifest/manifest_options.hpp"

namespace graced::cli {

enum class Verb { run, check_config, version, help, probe, manifest };

struct Invocation {
  Verb verb = Verb::run;
  std::string help_topic;                  // `graced <verb> --help`
  std::optional<std::string> config_path;  // -c / --config
  std::vector<std::string> overrides;      // --set KEY=VALUE, and the shortcuts below
  std::vector<std::string> command;        // after --
  std::vector<std::string> probe_args;     // `graced probe ...`: the words after "probe"
  manifest::Options manifest;              // `graced manifest`: its own flags
};

struct UsageError {
  std::string message;
};

std::variant<Invocation, UsageError> parse_invocation(const std::vector<std::string>& args);

std::string usage(const std::string& topic = "");

}  // namespace graced::cli
