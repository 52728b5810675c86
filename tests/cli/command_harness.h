// Running the built docket binary from the repository root, and writing the
// files a command reads: for the tests of `docket run` and `docket explain`.

#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace docket::cli::testing {

struct CommandRun {
  int exit_code = -1;
  std::string out;  // stdout only; stderr goes to err
  std::string err;
};

inline CommandRun run_docket(const std::string& arguments) {
  // ctest runs tests as parallel processes: each call gets its own file.
  std::string err_path = ::testing::TempDir() + "docket_stderr_XXXXXX";
  int fd = mkstemp(err_path.data());
  if (fd >= 0) close(fd);
  std::string command =
      std::string("cd ") + DOCKET_SOURCE_DIR + " && " + DOCKET_BINARY + " " + arguments + " 2>" + err_path;
  CommandRun result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  result.err.assign(std::istreambuf_iterator<char>(err), {});
  std::remove(err_path.c_str());
  return result;
}

// Writes `text` to a file in the test's temporary directory; returns its path.
inline std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace docket::cli::testing
