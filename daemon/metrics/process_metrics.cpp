#include "metrics/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "process/proc_file.hpp"

namespace graced::metrics {
namespace {

struct SelfStat {
  double cpu_seconds = 0;
  double start_seconds_since_boot = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

// /proc/self/stat: the fields after the command name (which may hold spaces and parens).
bool read_self_stat(SelfStat& out) {
  const std::string line = process::read_proc_file("/proc/self/stat");
  const auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::vector<double> f;  // f[0] is field 3 (state): not a number, read as 0
  for (const char* p = line.c_str() + close + 1;;) {
    p += std::strspn(p, " \n");
    if (*p == '\0') break;
    f.push_back(std::strtod(p, nullptr));
    p += std::strcspn(p, " \n");
  }
  // utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
  if (f.size() < 22) return false;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  out.cpu_seconds = (f[11] + f[12]) / ticks;
  out.start_seconds_since_boot = f[19] / ticks;
  out.virtual_bytes = f[20];
  out.resident_bytes = f[21] * page;
  return true;
}

double boot_time_seconds() {
  constexpr std::string_view kBootTimeLine = "\nbtime ";
  const std::string stat = process::read_proc_file("/proc/stat");
  const auto at = stat.find(kBootTimeLine);
  if (at == std::string::npos) return 0;
  return std::strtod(stat.c_str() + at + kBootTimeLine.size(), nullptr);
}

double open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace

void write_process_metrics(Exposition& out) {
  SelfStat stat;
  if (read_self_stat(stat)) {
    out.family("process_cpu_seconds_total", "counter",
               "Total user and system CPU time spent in seconds.");
    out.sample("process_cpu_seconds_total", stat.cpu_seconds);
    out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    out.sample("process_resident_memory_bytes", stat.resident_bytes);
    out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    out.sample("process_virtual_memory_bytes", stat.virtual_bytes);
    out.family("process_start_time_seconds", "gauge",
               "Start time of the process since unix epoch in seconds.");
    out.sample("process_start_time_seconds", boot_time_seconds() + stat.start_seconds_since_boot);
  }
  out.family("process_open_fds", "gauge", "Number of open file descriptors.");
  out.sample("process_open_fds", open_fds());
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
    out.sample("process_max_fds", static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace graced::metrics
