// docket graph FILE --format dot|svg|mermaid|json|xstate: the compiled state
// graph. svg runs Graphviz's `dot -Tsvg` with the DOT text on its stdin.

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/rules.h"
#include "designer/graph_export.h"
#include "dsl/compiler.h"
#include "engine/model/result.h"

extern char** environ;

namespace docket::cli {
namespace {

// The DOT text goes to `dot` through an unlinked temporary file as its stdin:
// a file cannot fill up and block like a pipe, nor raise SIGPIPE when `dot`
// stops reading early.
int stdin_file(const std::string& text, std::string& error) {
  const char* folder = std::getenv("TMPDIR");
  std::string path = std::string(folder != nullptr && *folder != '\0' ? folder : "/tmp") + "/docket_dot_XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) {
    error = "cannot create a temporary file in " + path.substr(0, path.rfind('/')) + ": " + std::strerror(errno);
    return -1;
  }
  unlink(path.c_str());
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = std::string("cannot write a temporary file: ") + std::strerror(errno);
      close(fd);
      return -1;
    }
    written += static_cast<std::size_t>(n);
  }
  if (lseek(fd, 0, SEEK_SET) != 0) {
    error = std::string("cannot rewind a temporary file: ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

// Runs `dot -Tsvg` on `dot_text`; the SVG, or why there is none.
engine::Result<std::string> render_svg(const std::string& dot_text) {
  using Svg = engine::Result<std::string>;
  std::string error;
  int input = stdin_file(dot_text, error);
  if (input < 0) return Svg::failure(error);
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0) {
    close(input);
    return Svg::failure(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  if (pipe(err_pipe) != 0) {
    close(input);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Svg::failure(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  // The originals are closed in the child, unless one of them already is the
  // standard stream it was copied to (when docket was started without one).
  for (int fd : {input, out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
    if (fd > STDERR_FILENO) posix_spawn_file_actions_addclose(&actions, fd);
  }
  char program[] = "dot";
  char format[] = "-Tsvg";
  char* argv[] = {program, format, nullptr};
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(input);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Svg::failure(std::string("cannot run `dot` (Graphviz): ") + std::strerror(spawned) +
                        "; install the graphviz package, or use --format dot");
  }

  // Both pipes are drained together, so that neither can fill up and stall dot.
  std::string svg;
  std::string messages;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&svg, &messages};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      } else {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  for (const pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // posix_spawnp may report a missing program only through the child's exit
  // status 127 (the shell convention).
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && svg.empty()) {
    return Svg::failure("cannot run `dot` (Graphviz); install the graphviz package, or use --format dot");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status));
    return Svg::failure("`dot -Tsvg` failed (" + why + ")" + (messages.empty() ? "" : ":\n" + messages));
  }
  return Svg::success(std::move(svg));
}

}  // namespace

void add_graph_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string file;
    std::string format = "dot";
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "graph",
      "Print the state graph of a workflow: DOT or SVG (through Graphviz's `dot`, which must be on PATH; exit 1 "
      "when it is missing or fails), Mermaid, JSON for tools, or an XState v5 machine (guards and actions as "
      "names only)");
  command->add_option("file", options->file, "Rule file (*.docket)")->required()->check(CLI::ExistingFile);
  command->add_option("--format", options->format, "dot (default), svg, mermaid, json or xstate")
      ->transform(CLI::IsMember({"dot", "svg", "mermaid", "json", "xstate"}, CLI::ignore_case));
  command->callback([options, &exit_code] {
    LoadedRules rules = load_and_check(options->file);
    std::shared_ptr<const engine::Workflow> workflow;
    if (rules.usable()) workflow = dsl::compile(*rules.file, rules.sources, rules.diagnostics);
    // Warnings go to stderr; the graph alone goes to stdout, ready for a pipe.
    print_diagnostics(rules, DiagnosticFormat::kText);
    if (!workflow) {
      exit_code = kExitFailure;
      return;
    }
    if (options->format == "svg") {
      engine::Result<std::string> svg = render_svg(designer::export_dot(*workflow));
      if (!svg.ok()) {
        std::cerr << "docket graph: " << svg.error() << "\n";
        exit_code = kExitFailure;
        return;
      }
      std::cout << svg.value();
      return;
    }
    std::optional<designer::GraphFormat> format = designer::parse_graph_format(options->format);
    std::cout << designer::export_graph(*workflow, format.value_or(designer::GraphFormat::kDot));
  });
}

}  // namespace docket::cli
