// A small, deterministic stand-in for libFuzzer's driver, so that every fuzz target builds
// with GCC and runs under ctest (and under ASan+UBSan in the sanitizer build) on a bounded
// number of inputs: the target's seeds as they are, then random mutations of them from a
// fixed seed, so a failure reproduces. There is no coverage feedback; longer, guided runs
// use libFuzzer with clang (see README.md).
//
//   <target> [--runs N] [--max-seconds S] [--seed X] [--corpus DIR]... [FILE...]
// Every file in a corpus DIR (tests/fuzz/corpus/<target>/, the corpus libFuzzer starts
// from too) and every FILE (e.g. a crash to replay) is an extra seed.
//   <target> --write-seeds DIR
// writes the target's built-in seeds to DIR as seed-<n> files and exits (how the corpus
// directories got their first files).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_seeds.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr std::size_t kMaxInput = 16 * 1024;

bool read_file(const std::string& path, std::vector<std::string>& seeds) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  seeds.push_back(ss.str());
  return true;
}

// In name order, so that the mutations drawn from a given --seed are the same everywhere.
bool read_corpus(const std::string& dir, std::vector<std::string>& seeds) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file()) files.push_back(entry.path());
  if (ec) {
    std::fprintf(stderr, "cannot read %s: %s\n", dir.c_str(), ec.message().c_str());
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    if (!read_file(f.string(), seeds)) return false;
  return true;
}

void run_one(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

// One random edit of the kinds that find parser bugs: bit flips, boundary values,
// inserted and deleted runs, repeated slices, splices with another seed.
void mutate(std::string& s, const std::vector<std::string>& seeds, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  static const unsigned char kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x3a};
  switch (rng() % 8) {
    case 0:
      if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
      break;
    case 1:
      if (!s.empty()) s[pick(s.size())] = static_cast<char>(kInteresting[rng() % 8]);
      break;
    case 2: {
      std::string run(1 + pick(16), '\0');
      for (auto& c : run)
        c = static_cast<char>(rng());
      s.insert(pick(s.size() + 1), run);
      break;
    }
    case 3:
      if (!s.empty()) {
        const std::size_t at = pick(s.size());
        s.erase(at, 1 + pick(s.size() - at));
      }
      break;
    case 4:
      if (!s.empty()) {
        const std::size_t at = pick(s.size());
        const std::string slice = s.substr(at, 1 + pick(64));
        s.insert(pick(s.size() + 1), slice);
      }
      break;
    case 5: {
      const std::string& other = seeds[pick(seeds.size())];
      s = s.substr(0, pick(s.size() + 1)) + other.substr(pick(other.size() + 1));
      break;
    }
    case 6:
      s.resize(pick(s.size() + 1));
      break;
    default:
      if (s.size() >= 4) {  // a length or size field nearby set to an extreme
        const std::size_t at = pick(s.size() - 3);
        const char v = (rng() & 1) ? '\xff' : '\x00';
        s.replace(at, 4, 4, v);
      }
      break;
  }
  if (s.size() > kMaxInput) s.resize(kMaxInput);
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 10000;
  long max_seconds = 60;
  std::uint64_t seed = 1;
  std::vector<std::string> seeds = graced::fuzz::seeds();
  seeds.emplace_back();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::atol(argv[++i]);
    } else if (arg == "--max-seconds" && i + 1 < argc) {
      max_seconds = std::atol(argv[++i]);
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--write-seeds" && i + 1 < argc) {
      const std::string dir = argv[++i];
      const auto builtin = graced::fuzz::seeds();
      for (std::size_t n = 0; n < builtin.size(); ++n) {
        std::ofstream out(dir + "/seed-" + std::to_string(n), std::ios::binary);
        out << builtin[n];
        if (!out) {
          std::fprintf(stderr, "cannot write to %s\n", dir.c_str());
          return 2;
        }
      }
      return 0;
    } else if (arg == "--corpus" && i + 1 < argc) {
      if (!read_corpus(argv[++i], seeds)) return 2;
    } else if (!read_file(arg, seeds)) {
      return 2;
    }
  }
  for (const auto& s : seeds)
    run_one(s);

  std::mt19937_64 rng(seed);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(max_seconds);
  long done = 0;
  for (; done < runs && std::chrono::steady_clock::now() < deadline; ++done) {
    std::string input = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e)
      mutate(input, seeds, rng);
    run_one(input);
  }
  std::printf("%zu seeds and %ld mutated inputs (seed %llu), no failure\n", seeds.size(), done,
              static_cast<unsigned long long>(seed));
  return 0;
}
