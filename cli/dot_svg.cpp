#include "cli/dot_svg.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

// The standard streams of a `dot` child: its input file, and the ends of
// its output and error pipes.
struct DotStreams {
  int input = -1;
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
};

// Starts `dot -Tsvg` on the streams; 0 or the error number. Closes the
// child's ends in this process either way.
int spawn_dot(const DotStreams& streams, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, streams.input, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, streams.out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, streams.err[1], STDERR_FILENO);
  // The originals are closed in the child, unless one of them already is the
  // standard stream it was copied to (when docket was started without one).
  for (int fd : {streams.input, streams.out[0], streams.out[1], streams.err[0], streams.err[1]}) {
    if (fd > STDERR_FILENO) posix_spawn_file_actions_addclose(&actions, fd);
  }
  char program[] = "dot";
  char format[] = "-Tsvg";
  char* argv[] = {program, format, nullptr};
  int spawned = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(streams.input);
  close(streams.out[1]);
  close(streams.err[1]);
  return spawned;
}

// Reads the child's output and error pipes to their ends, together, so that
// neither can fill up and stall it; closes them.
void drain(int out, int err, std::string& svg, std::string& messages) {
  pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
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
}

// The SVG when `dot` ran and succeeded (exit `status`), or why not.
Svg dot_result(int status, std::string svg, const std::string& messages) {
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

// Runs `dot -Tsvg` on `dot_text`; the SVG, or why there is none.
}  // namespace

Svg render_svg(const std::string& dot_text) {
  DotStreams streams;
  std::string error;
  streams.input = stdin_file(dot_text, error);
  if (streams.input < 0) return Svg::failure(error);
  if (pipe(streams.out) != 0 || pipe(streams.err) != 0) {
    int pipe_error = errno;
    for (int fd : {streams.input, streams.out[0], streams.out[1]}) {
      if (fd >= 0) close(fd);
    }
    return Svg::failure(std::string("cannot create a pipe: ") + std::strerror(pipe_error));
  }
  pid_t pid = 0;
  if (int spawned = spawn_dot(streams, pid); spawned != 0) {
    close(streams.out[0]);
    close(streams.err[0]);
    return Svg::failure(std::string("cannot run `dot` (Graphviz): ") + std::strerror(spawned) +
                        "; install the graphviz package, or use --format dot");
  }
  std::string svg;
  std::string messages;
  drain(streams.out[0], streams.err[0], svg, messages);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return dot_result(status, std::move(svg), messages);
}

}  // namespace docket::cli
