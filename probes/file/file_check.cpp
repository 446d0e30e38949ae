#include "probes/file/file_check.hpp"

#include <chrono>

namespace graced::probes {
namespace {

const config::SectionSpec& file_spec() {
  static const auto& spec = config::register_section({
      "checks.file",
      "type = \"file\": passes while a file exists and was modified within max_age (a "
      "heartbeat file the service touches).",
      {
          {"path", "string", "", "The file to look at."},
          {"max_age", "duration", "", "Oldest modification time that still passes, e.g. \"30s\"."},
      },
  });
  return spec;
}
[[maybe_unused]] const bool kSpecRegistered = (file_spec(), true);

// Seconds are precise enough for ages of ten seconds and more; below that, or where
// whole seconds would hide why the check failed (31.4s against a 31s max_age shows as
// "31s"), milliseconds are shown.
std::string age_text(config::Duration age, config::Duration max_age, bool failing) {
  using std::chrono::seconds;
  const auto whole =
      std::chrono::duration_cast<config::Duration>(std::chrono::duration_cast<seconds>(age));
  if (max_age < seconds(10) || (failing && whole <= max_age)) return config::format_duration(age);
  return config::format_duration(whole);
}

}  // namespace

struct FileCheck::StatRequest {
  uv_fs_t fs{};
  FileCheck* owner = nullptr;  // null once the attempt is abandoned
  Done done;
};

CheckResult judge_file_age(config::Duration age, config::Duration max_age) {
  if (age.count() < 0) age = config::Duration{0};
  if (age <= max_age)
    return CheckResult::pass("last modified " + age_text(age, max_age, false) + " ago");
  return CheckResult::fail("last modified " + age_text(age, max_age, true) + " ago (max_age " +
                           config::format_duration(max_age) + ")");
}

void FileSettings::emit(config::Emitter::Table& table) const {
  table.set("path", path);
  table.set_duration("max_age", max_age);
}

FileCheck::FileCheck(std::shared_ptr<const FileSettings> settings, const CheckContext& context)
    : settings_(std::move(settings)), loop_(context.loop) {}

FileCheck::~FileCheck() {
  cancel();
}

void FileCheck::start(Done done) {
  auto* req = new StatRequest;
  req->owner = this;
  req->done = std::move(done);
  req->fs.data = req;
  const int rc = uv_fs_stat(loop_, &req->fs, settings_->path.c_str(), &FileCheck::on_stat);
  if (rc != 0) {
    // Not queued: no callback will come.
    auto failed = std::move(req->done);
    uv_fs_req_cleanup(&req->fs);
    delete req;
    failed(CheckResult::fail(uv_strerror(rc)));
    return;
  }
  in_flight_ = req;
}

void FileCheck::cancel() {
  if (!in_flight_) return;
  in_flight_->owner = nullptr;
  in_flight_->done = nullptr;
  // Frees the thread-pool slot when the stat has not started yet; either way the callback
  // still comes (with UV_ECANCELED or the result) and frees the request.
  uv_cancel(reinterpret_cast<uv_req_t*>(&in_flight_->fs));
  in_flight_ = nullptr;
}

void FileCheck::on_stat(uv_fs_t* fs) {
  auto* req = static_cast<StatRequest*>(fs->data);
  FileCheck* owner = req->owner;
  Done done = std::move(req->done);
  const auto result = fs->result;
  const uv_timespec_t mtime = fs->statbuf.st_mtim;
  uv_fs_req_cleanup(fs);
  delete req;
  if (!owner) return;  // abandoned
  owner->in_flight_ = nullptr;

  if (result < 0) {
    if (result == UV_ENOENT || result == UV_ENOTDIR) {
      done(CheckResult::fail("no such file"));
    } else {
      done(CheckResult::fail(uv_strerror(static_cast<int>(result))));
    }
    return;
  }
  using namespace std::chrono;
  const auto modified = system_clock::time_point(
      duration_cast<system_clock::duration>(seconds(mtime.tv_sec) + nanoseconds(mtime.tv_nsec)));
  // Wall-clock time on purpose: an mtime is wall-clock time.
  const auto age = duration_cast<config::Duration>(system_clock::now() - modified);
  done(judge_file_age(age, owner->settings_->max_age));
}

const config::SectionSpec& FileKind::spec() const {
  return file_spec();
}

std::shared_ptr<const CheckSettings> FileKind::parse(config::Section& section) const {
  auto settings = std::make_shared<FileSettings>();
  bool ok = true;
  if (auto path = section.string("path")) {
    if (path->empty()) {
      section.error("path", "must not be empty");
      ok = false;
    }
    settings->path = std::move(*path);
  } else {
    if (!section.has("path")) section.error("path", "a file check needs a path");
    ok = false;
  }
  if (auto max_age = section.duration("max_age")) {
    if (max_age->count() <= 0) {
      section.error("max_age", "must be greater than 0");
      ok = false;
    }
    settings->max_age = *max_age;
  } else {
    if (!section.has("max_age")) {
      section.error("max_age", "a file check needs max_age, e.g. \"30s\"");
    }
    ok = false;
  }
  if (!ok) return nullptr;
  return settings;
}

std::unique_ptr<Check> FileKind::create(std::shared_ptr<const CheckSettings> settings,
                                        const CheckContext& context) const {
  return std::make_unique<FileCheck>(std::static_pointer_cast<const FileSettings>(settings),
                                     context);
}

GRACED_REGISTER_CHECK_KIND(FileKind)

}  // namespace graced::probes
