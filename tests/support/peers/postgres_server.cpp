#include "peers/postgres_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "harness/files.hpp"
#include "harness/ports.hpp"
#include "harness/wait.hpp"

namespace graced::test {
namespace {

using namespace std::chrono_literals;

// The newest installed server, e.g. /usr/lib/postgresql/15/bin (Debian's layout).
std::string find_bin_dir() {
  namespace fs = std::filesystem;
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    int version = std::atoi(name.c_str());
    fs::path bin = entry.path() / "bin";
    if (version > best_version && fs::exists(bin / "postgres") && fs::exists(bin / "initdb")) {
      best_version = version;
      best = bin.string();
    }
  }
  if (best.empty()) throw std::runtime_error("no PostgreSQL server under /usr/lib/postgresql");
  return best;
}

void make_dir_for(const std::string& path, const std::optional<RunAs>& user) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::runtime_error("mkdir " + path + ": " + std::strerror(errno));
  }
  if (user && chown(path.c_str(), user->uid, user->gid) != 0) {
    throw std::runtime_error("chown " + path + ": " + std::strerror(errno));
  }
}

std::string sql_literal(const std::string& value) {
  std::string out = "'";
  for (char c : value)
    out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string sql_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string percent_encode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

// postmaster.pid's 8th line: "starting", "ready", "standby" or "stopping" (space-padded).
// Empty unless the file is the one of postmaster `pid` (a killed server leaves its own).
std::string postmaster_status(const std::string& data_dir, pid_t pid) {
  auto text = read_file(data_dir + "/postmaster.pid");
  if (!text) return {};
  std::istringstream lines(*text);
  std::string line;
  if (!std::getline(lines, line) || line != std::to_string(pid)) return {};
  for (int i = 1; i < 8; ++i) {
    if (!std::getline(lines, line)) return {};
  }
  while (!line.empty() && line.back() == ' ')
    line.pop_back();
  return line;
}

}  // namespace

PostgresServer::ScratchDir::ScratchDir() {
  struct stat st {};
  const bool shm =
      stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0;
  std::string tmpl = std::string(shm ? "/dev/shm" : "/tmp") + "/graced-pg-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  }
  path = tmpl;
}

PostgresServer::ScratchDir::~ScratchDir() {
  std::error_code ignored;  // a destructor must not throw
  std::filesystem::remove_all(path, ignored);
}

PostgresServer::PostgresServer() : user_(drop_root_to("postgres")), bin_dir_(find_bin_dir()) {
  if (user_ && chown(dir_.path.c_str(), user_->uid, user_->gid) != 0) {
    throw std::runtime_error("chown " + dir_.path + ": " + std::strerror(errno));
  }
  make_dir_for(socket_dir(), user_);
  run_peer_tool(
      {bin_dir_ + "/initdb", "--pgdata=" + data_dir(), "--username=" + std::string(kSuperuser),
       "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
       "--no-sync", "--no-instructions"},
      dir_.path + "/initdb.log", user_, 60s);
}

PostgresServer::~PostgresServer() {
  // Fast shutdown keeps the next start quick; a stuck server is killed after the grace.
  postmaster_.stop(SIGINT, 5s);
}

void PostgresServer::start() {
  launch(false);
}

void PostgresServer::start_standby() {
  launch(true);
}

void PostgresServer::launch(bool standby) {
  if (running()) throw std::runtime_error("postgres is already running");
  const std::string signal_file = data_dir() + "/standby.signal";
  if (standby) {
    write_file(signal_file, "");
  } else {
    std::error_code ignored;
    std::filesystem::remove(signal_file, ignored);
  }
  if (port_ == 0) port_ = free_port();
  postmaster_.spawn({bin_dir_ + "/postgres", "-D", data_dir(), "-p", std::to_string(port_), "-c",
                     "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + socket_dir(),
                     "-c", "fsync=off", "-c", "full_page_writes=off", "-c",
                     // Its segments then live in the data dir, not in /dev/shm, so even a
                     // killed server leaves nothing behind once the dir is removed.
                     "dynamic_shared_memory_type=mmap", "-c",
                     std::string("hot_standby=") + (standby ? "off" : "on")},
                    log_path(), user_);
  wait_until_up(standby);
}

void PostgresServer::wait_until_up(bool standby) {
  bool exited = false;
  bool up = wait_until(
      [&] {
        if (!postmaster_.running()) {
          exited = true;
          return true;
        }
        const std::string status = postmaster_status(data_dir(), postmaster_.pid());
        if (standby) return status == "starting" || status == "standby";
        return status == "ready";
      },
      30s);
  if (exited || !up) {
    postmaster_.kill();
    throw std::runtime_error(std::string("postgres ") + (exited ? "exited" : "did not start") +
                             ":\n" + log_tail(log_path()));
  }
}

void PostgresServer::stop() {
  postmaster_.stop(SIGINT, 20s);
}

void PostgresServer::kill() {
  postmaster_.kill();
}

void PostgresServer::restart() {
  stop();
  start();
}

std::string PostgresServer::url(const std::string& user, const std::string& password,
                                const std::string& database) const {
  std::string userinfo = percent_encode(user);
  if (!password.empty()) userinfo += ":" + percent_encode(password);
  return "postgresql://" + userinfo + "@127.0.0.1:" + std::to_string(port_) + "/" +
         percent_encode(database);
}

void PostgresServer::sql(const std::string& statement) {
  run_peer_tool({bin_dir_ + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socket_dir(), "-p",
                 std::to_string(port_), "-U", kSuperuser, "-d", "postgres", "-c", statement},
                dir_.path + "/psql.log", user_, 20s);
}

void PostgresServer::set_password(const std::string& user, const std::string& password) {
  sql("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = " + sql_literal(user) +
      ") THEN CREATE ROLE " + sql_identifier(user) + " LOGIN; END IF; END$$; ALTER ROLE " +
      sql_identifier(user) + " WITH LOGIN PASSWORD " + sql_literal(password));
}

void PostgresServer::create_database(const std::string& name) {
  sql("CREATE DATABASE " + sql_identifier(name));
}

}  // namespace graced::test
