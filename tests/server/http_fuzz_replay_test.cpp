// Every stored input of the HTTP fuzz target (tests/fuzz/corpus/http/ and
// every crash ever found in tests/fuzz/crashes/http/), replayed through the
// same entry function in the ordinary build (tests/fuzz/fuzz_http_entry.h).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_http_entry.h"

namespace docket::fuzz {
namespace {

namespace fs = std::filesystem;

// The stored inputs, sorted; `missing` names each folder that does not
// exist (a folder that went missing would otherwise replay nothing and pass
// for ever). README.md files describe a folder and are not inputs.
std::vector<fs::path> inputs(std::vector<std::string>& missing) {
  std::vector<fs::path> found;
  for (const char* folder : {"tests/fuzz/corpus/http", "tests/fuzz/crashes/http"}) {
    fs::path directory = fs::path(DOCKET_SOURCE_DIR) / folder;
    std::error_code error;
    if (!fs::is_directory(directory, error)) {
      missing.emplace_back(folder);
      continue;
    }
    for (const auto& entry : fs::directory_iterator(directory)) {
      if (entry.is_regular_file() && entry.path().filename() != "README.md") found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

TEST(HttpFuzzReplayTest, EveryStoredInputKeepsEveryPromise) {
  std::vector<std::string> missing;
  std::vector<fs::path> files = inputs(missing);
  for (const std::string& folder : missing) {
    ADD_FAILURE() << folder << " is missing, so its inputs cannot be replayed; restore it "
                  << "(a crash folder keeps its README.md even when it holds no input)";
  }
  ASSERT_GE(files.size(), 7u) << "the seed corpus is missing";
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(run_http(bytes.str()), "") << file;
  }
}

}  // namespace
}  // namespace docket::fuzz
