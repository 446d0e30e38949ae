#include "peers/grpc_python_peers.hpp"

#include <sstream>
#include <stdexcept>

#include "harness/files.hpp"
#include "harness/paths.hpp"
#include "harness/wait.hpp"

namespace graced::test {
namespace {

std::string script(const std::string& name) {
  return kSourceDir + "/tests/support/peers/" + name;
}

std::vector<std::string> result_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    for (const char* prefix : {"check \"", "list: ", "unary ", "watch \""}) {
      if (line.rfind(prefix, 0) == 0) {
        out.push_back(line);
        break;
      }
    }
  }
  return out;
}

}  // namespace

GrpcHealthPeer::GrpcHealthPeer(const std::string& state, bool with_health) {
  set_state(state);
  std::vector<std::string> argv{kSystemPython, script("grpc_health_server.py"), dir_.path()};
  if (!with_health) argv.emplace_back("--no-health");
  const std::string log = dir_.file("server.log");
  process_.spawn(argv, log);
  const std::string port_file = dir_.file("port");
  if (!wait_until([&] { return file_exists(port_file) || !process_.running(); },
                  std::chrono::seconds(20)) ||
      !file_exists(port_file)) {
    throw std::runtime_error("the python gRPC server did not start: " + log_tail(log));
  }
  port_ = static_cast<std::uint16_t>(std::stoi(read_file(port_file).value_or("0")));
}

void GrpcHealthPeer::set_state(const std::string& state) {
  // Replaced whole, so the server never reads a half-written state.
  write_file(dir_.file("state.tmp"), state + "\n");
  if (std::rename(dir_.file("state.tmp").c_str(), dir_.file("state").c_str()) != 0) {
    throw std::runtime_error("cannot write the peer's state");
  }
}

std::vector<std::string> GrpcHealthPeer::requests() const {
  std::vector<std::string> out;
  std::istringstream in(read_file(dir_.file("requests")).value_or(""));
  std::string line;
  while (std::getline(in, line))
    out.push_back(line);
  return out;
}

GrpcPythonClient::GrpcPythonClient(const std::string& address,
                                   const std::vector<std::string>& commands)
    : log_path_(dir_.file("client.log")) {
  std::vector<std::string> argv{kSystemPython, script("grpc_health_client.py"), address};
  argv.insert(argv.end(), commands.begin(), commands.end());
  process_.spawn(argv, log_path_);
}

std::string GrpcPythonClient::log() const {
  return read_file(log_path_).value_or("");
}

std::vector<std::string> GrpcPythonClient::results() const {
  return result_lines(log());
}

std::optional<std::vector<std::string>> GrpcPythonClient::wait_for_results(
    std::size_t count, std::chrono::milliseconds timeout) {
  std::vector<std::string> lines;
  if (!wait_until(
          [&] {
            lines = results();
            return lines.size() >= count;
          },
          timeout)) {
    return std::nullopt;
  }
  lines.resize(count);
  return lines;
}

std::vector<std::string> run_grpc_client(const std::string& address,
                                         const std::vector<std::string>& commands,
                                         std::chrono::milliseconds timeout) {
  GrpcPythonClient client(address, commands);
  auto code = client.wait(timeout);
  if (!code || *code != 0) {
    throw std::runtime_error("the python gRPC client " +
                             (code ? "exited " + std::to_string(*code) : std::string("hung")) +
                             ": " + client.log());
  }
  return client.results();
}

}  // namespace graced::test
