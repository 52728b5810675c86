// What the service benchmarks (bench_serve, bench_outbox) share to run the
// docket binary as a child process: started with its output in a file, run
// to its end (wall and CPU time), or served (`docket serve`) on a fresh
// store until its port file names a port that answers GET /v1/health, then
// stopped; a running process's CPU time from /proc; the steady clock they
// time with; their common command line.
//
// The server is killed when the benchmark stops for any reason:
// take_service_settings() registers kill_server_at_exit() with std::atexit
// (die() exits).
//
// Header-only: each bench/*.cpp is an executable of its own.

#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/bench_http.h"

#ifndef DOCKET_BINARY
#define DOCKET_BINARY "docket"
#endif

namespace docket::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// The command line every service benchmark takes:
//   NAME [--quick] [--dir DIR] [--docket BINARY]
// DIR: where the stores go (the disk measured).
struct ServiceOptions {
  bool quick = false;
  std::string dir = std::filesystem::temp_directory_path().string();
  std::string docket = DOCKET_BINARY;
};

// ---------------------------------------------------------------- processes

// The server, killed when the benchmark stops for any reason (die() exits).
inline pid_t server_pid = -1;

inline void kill_server_at_exit() {
  if (server_pid <= 0) return;
  ::kill(server_pid, SIGKILL);
  ::waitpid(server_pid, nullptr, 0);
  server_pid = -1;
}

// Starts `argv` with standard input from `input` (/dev/null when empty),
// standard output and error into `output`. Called while no client thread runs.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& input, const std::string& output) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const char* input_path = input.empty() ? "/dev/null" : input.c_str();
  pid_t pid = ::fork();
  if (pid < 0) die("fork: " + error_text(errno));
  if (pid == 0) {
    int in = ::open(input_path, O_RDONLY);
    int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

struct Finished {
  double wall_seconds = 0;
  double cpu_seconds = 0;  // user + system
  std::string output;      // standard output and error
};

inline double cpu_seconds_of(const rusage& usage) {
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs `argv` to its end; dies unless it exits 0.
inline Finished run_program(const std::vector<std::string>& argv, const std::string& input, const std::string& output) {
  Clock::time_point start = Clock::now();
  pid_t pid = spawn(argv, input, output);
  int status = 0;
  rusage usage{};
  if (::wait4(pid, &status, 0, &usage) != pid) die("wait4: " + error_text(errno));
  Finished finished{seconds_since(start), cpu_seconds_of(usage), read_file(output)};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
    die(command + " failed:\n" + finished.output);
  }
  return finished;
}

// CPU time a running process has used so far, from /proc/PID/stat.
inline double process_cpu_seconds(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name, field 2, is in parentheses and may hold spaces.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> field;
  std::string word;
  while (field.size() < 13 && fields >> word) field.push_back(word);
  if (field.size() < 13) die("cannot read /proc/" + std::to_string(pid) + "/stat");
  // field[0] is field 3 (state): utime is field 14, stime field 15.
  double ticks = std::stod(field[11]) + std::stod(field[12]);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// ---------------------------------------------------------------- docket serve

// A benchmark's settings from its command line (see ServiceOptions; dies
// with the usage on anything else): `Settings` is a ServiceOptions with
// the benchmark's own sizes, and make_quick() shrinks them for --quick.
// Then makes ready to run a server: the docket binary is there, SIGPIPE is
// ignored (a write to a closed connection is an error, not the end), and
// the server is killed when the benchmark exits.
template <typename Settings>
Settings take_service_settings(int argc, char** argv, const std::string& name) {
  Settings settings;
  ServiceOptions& options = settings;
  options.quick = take_quick_flag(argc, argv);
  for (int i = 1; i < argc; ++i) {
    std::string_view option = argv[i];
    if ((option == "--dir" || option == "--docket") && i + 1 < argc) {
      (option == "--dir" ? options.dir : options.docket) = argv[++i];
    } else {
      die("usage: " + name + " [--quick] [--dir DIR] [--docket BINARY]");
    }
  }
  if (options.quick) settings.make_quick();
  if (!std::filesystem::exists(options.docket)) die("no docket binary at " + options.docket + " (--docket)");
  ::signal(SIGPIPE, SIG_IGN);
  std::atexit(kill_server_at_exit);
  return settings;
}

// The SHA-256 digest of `token` for a [[tokens]] entry, from `docket serve
// --hash-token` (its files token.txt and hash.out in `dir`).
inline std::string hash_token(const std::string& docket, const std::string& dir, const std::string& token) {
  write_text(dir + "/token.txt", token);
  std::string digest = run_program({docket, "serve", "--hash-token"}, dir + "/token.txt", dir + "/hash.out").output;
  while (!digest.empty() && (digest.back() == '\n' || digest.back() == '\r')) digest.pop_back();
  if (digest.size() != 64) die("docket serve --hash-token printed " + digest);
  return digest;
}

// The configuration both benchmarks serve with, as in production: a free
// port written to the file `port`, sync = "full", rules/ unwatched, one log
// line per request at level info into server.log, a clock at real speed
// from Monday 2026-11-23 09:00 Beijing time, and the token `digest` of
// `actor`, an intake specialist. With `no_rate_limit` the line
// `rate_limit = 0` (the benchmarks measure capacity); without it the key is
// left out (a server from before the rate limit refuses it).
inline std::string serve_config(bool no_rate_limit, const std::string& digest, const std::string& actor) {
  std::string config;
  config += "[server]\nlisten = \"127.0.0.1:0\"\nport_file = \"port\"\n";
  if (no_rate_limit) config += "rate_limit = 0\n";
  config += "[store]\npath = \"tickets.db\"\nsync = \"full\"\n";
  config += "[rules]\ndirectory = \"rules\"\nwatch = false\n";
  config += "[log]\nlevel = \"info\"\nfile = \"server.log\"\n";
  config += "[clock]\nkind = \"accelerated\"\nfactor = 1\nstart = \"2026-11-23T09:00:00+08:00\"\n";
  config += "[[tokens]]\nsha256 = \"" + digest + "\"\nactor = \"" + actor + "\"\nroles = [\"intake_specialist\"]\n";
  return config;
}

// Starts `docket serve --config DIR/docket.toml` (standard output and error
// into DIR/server.out) on a fresh store, and waits at most 10 s until the
// port file DIR/port names a port that answers GET /v1/health: that port.
// 0 when the server exits first; dies when 10 s pass.
inline int start_server(const std::string& docket, const std::string& dir) {
  for (const char* file : {"tickets.db", "tickets.db-wal", "tickets.db-shm", "port", "server.log"}) {
    std::filesystem::remove(dir + "/" + file);
  }
  server_pid = spawn({docket, "serve", "--config", dir + "/docket.toml"}, "", dir + "/server.out");
  Clock::time_point start = Clock::now();
  while (seconds_since(start) < 10) {
    int status = 0;
    if (::waitpid(server_pid, &status, WNOHANG) == server_pid) {
      server_pid = -1;
      return 0;
    }
    std::string port = std::filesystem::exists(dir + "/port") ? read_file(dir + "/port") : "";
    if (!port.empty()) {
      int number = std::atoi(port.c_str());
      if (answers_health(number)) return number;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, not timing
  }
  die("the server did not answer GET /v1/health within 10 s:\n" + read_file(dir + "/server.out"));
}

// SIGTERM to the server started in `dir`, and a clean exit within 30 s.
inline void stop_server(const std::string& dir) {
  ::kill(server_pid, SIGTERM);
  int status = 0;
  Clock::time_point start = Clock::now();
  while (::waitpid(server_pid, &status, WNOHANG) == 0) {
    if (seconds_since(start) > 30) die("the server did not stop within 30 s of SIGTERM");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, not timing
  }
  server_pid = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    die("the server did not exit cleanly:\n" + read_file(dir + "/server.out"));
  }
}

}  // namespace docket::bench
