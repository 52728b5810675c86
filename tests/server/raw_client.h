// A raw HTTP/1.1 client for the hostile-client tests of `docket serve`
// (tests/server/hostile_test.cpp): POSIX sockets and no HTTP library, so that
// a test sends exactly the bytes it means (partial heads, floods, pipelined
// requests, invalid encodings) and sees exactly what comes back.
//
//   RawClient client;
//   client.connect(port, "127.0.0.2");        // the local end on another loopback address
//   client.send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
//   std::optional<RawResponse> response = client.read_response(std::chrono::seconds(1));
//
// Every wait has a deadline, so a hung server fails a test instead of hanging
// the suite. Responses are read by their Content-Length (the server always
// sends one); a response without it ends where the server closes the
// connection. Only loopback: the peer is always 127.0.0.1, and a local address
// outside 127.0.0.0/8 is refused.

#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace docket::server::testing {

using Millis = std::chrono::milliseconds;

struct RawResponse {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  // The value of a header ("" when absent); `name` in lower case.
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
};

// What the front of a byte buffer holds.
struct ParsedResponse {
  enum class Kind { kIncomplete, kComplete, kMalformed };
  Kind kind = Kind::kIncomplete;
  RawResponse response;
  std::size_t used = 0;  // bytes of the buffer the response takes (kComplete)
};

inline std::string lower_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Parses one HTTP/1.x response from the front of `data`. `closed`: the
// connection has ended, so a response without Content-Length ends with it.
inline ParsedResponse parse_response(std::string_view data, bool closed) {
  ParsedResponse parsed;
  if (data.empty()) return parsed;
  const std::string_view version = "HTTP/1.";
  if (data.size() >= version.size() ? data.substr(0, version.size()) != version
                                    : data != version.substr(0, data.size())) {
    parsed.kind = ParsedResponse::Kind::kMalformed;
    return parsed;
  }
  std::size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (closed) parsed.kind = ParsedResponse::Kind::kMalformed;
    return parsed;
  }
  std::string_view head = data.substr(0, head_end);
  std::size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line[8] != ' ' || !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[11]))) {
    parsed.kind = ParsedResponse::Kind::kMalformed;
    return parsed;
  }
  RawResponse& response = parsed.response;
  response.status = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  if (status_line.size() > 13) response.reason = std::string(status_line.substr(13));
  std::size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (at < head.size()) {
    std::size_t end = head.find("\r\n", at);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(at, end - at);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      parsed.kind = ParsedResponse::Kind::kMalformed;
      return parsed;
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    response.headers[lower_case(std::string(line.substr(0, colon)))] = std::string(value);
    at = end + 2;
  }
  std::size_t body_start = head_end + 4;
  std::string length = response.header("content-length");
  if (length.empty()) {
    if (!closed) return parsed;
    response.body = std::string(data.substr(body_start));
    parsed.used = data.size();
    parsed.kind = ParsedResponse::Kind::kComplete;
    return parsed;
  }
  if (length.size() > 12 || length.find_first_not_of("0123456789") != std::string::npos) {
    parsed.kind = ParsedResponse::Kind::kMalformed;
    return parsed;
  }
  std::size_t size = std::stoull(length);
  if (data.size() - body_start < size) {
    if (closed) parsed.kind = ParsedResponse::Kind::kMalformed;
    return parsed;
  }
  response.body = std::string(data.substr(body_start, size));
  parsed.used = body_start + size;
  parsed.kind = ParsedResponse::Kind::kComplete;
  return parsed;
}

class RawClient {
 public:
  RawClient() = default;
  ~RawClient() { close(); }
  RawClient(RawClient&& other) noexcept { *this = std::move(other); }
  RawClient& operator=(RawClient&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
      input_ = std::move(other.input_);
      closed_ = other.closed_;
      malformed_ = other.malformed_;
    }
    return *this;
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Connects to 127.0.0.1:`port`, the local end bound to `local` when given
  // (a loopback address such as "127.0.0.2"). False when it failed.
  bool connect(int port, const std::string& local = "", Millis timeout = Millis(2000)) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!local.empty()) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      if (::inet_pton(AF_INET, local.c_str(), &from.sin_addr) != 1 || (ntohl(from.sin_addr.s_addr) >> 24) != 127 ||
          ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
        close();
        return false;
      }
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      if (errno != EINPROGRESS) {
        close();
        return false;
      }
      pollfd waiting{fd_, POLLOUT, 0};
      int error = 0;
      socklen_t size = sizeof error;
      if (::poll(&waiting, 1, static_cast<int>(timeout.count())) != 1 ||
          ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
        close();
        return false;
      }
    }
    return true;
  }

  // Sends all of `bytes` within `timeout`, reading whatever the server
  // answers meanwhile. False when the server closed the connection (see
  // closed()) or did not take the bytes in time.
  bool send(std::string_view bytes, Millis timeout = Millis(2000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!bytes.empty()) {
      if (fd_ < 0 || closed_) return false;
      ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(sent));
        continue;
      }
      if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        drain_input();  // an answer that arrived before the reset is still readable
        closed_ = true;
        return false;
      }
      int left = remaining(deadline);
      if (left <= 0) return false;
      pollfd waiting{fd_, POLLOUT | POLLIN, 0};
      if (::poll(&waiting, 1, left) > 0 && (waiting.revents & (POLLIN | POLLHUP | POLLERR)) != 0) receive_some();
    }
    return true;
  }

  // The next complete response, waiting at most `timeout` for it; nullopt
  // when none arrived in time, the connection closed first, or the bytes are
  // not an HTTP response (see malformed()).
  std::optional<RawResponse> read_response(Millis timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      ParsedResponse parsed = parse_response(input_, closed_);
      if (parsed.kind == ParsedResponse::Kind::kComplete) {
        input_.erase(0, parsed.used);
        return std::move(parsed.response);
      }
      if (parsed.kind == ParsedResponse::Kind::kMalformed) {
        malformed_ = true;
        return std::nullopt;
      }
      if (closed_ || fd_ < 0) return std::nullopt;
      int left = remaining(deadline);
      if (left <= 0) return std::nullopt;
      pollfd waiting{fd_, POLLIN, 0};
      if (::poll(&waiting, 1, left) > 0) receive_some();
    }
  }

  // Waits at most `timeout` for the server to close the connection, keeping
  // what it sends meanwhile for read_response(). True when it closed.
  bool wait_closed(Millis timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && fd_ >= 0) {
      int left = remaining(deadline);
      if (left <= 0) break;
      pollfd waiting{fd_, POLLIN, 0};
      if (::poll(&waiting, 1, left) > 0) receive_some();
    }
    return closed_;
  }

  // Reads whatever has arrived, without waiting.
  void poll_input() {
    if (fd_ >= 0 && !closed_) drain_input();
  }

  // The server ended the connection (end of stream or reset).
  bool closed() const { return closed_; }
  // The server sent bytes that are not an HTTP response.
  bool malformed() const { return malformed_; }
  bool connected() const { return fd_ >= 0; }
  // Received and not yet taken by read_response().
  const std::string& pending() const { return input_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  static int remaining(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
  }

  // One read; false when nothing more can come now.
  bool receive_some() {
    char buffer[65536];
    ssize_t got = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (got > 0) {
      input_.append(buffer, static_cast<std::size_t>(got));
      return true;
    }
    if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed_ = true;
    return false;
  }

  void drain_input() {
    // Bounded: at most 1024 reads (64 MiB) per call.
    for (int i = 0; i < 1024 && !closed_ && receive_some(); ++i) {
    }
  }

  int fd_ = -1;
  std::string input_;
  bool closed_ = false;
  bool malformed_ = false;
};

// An HTTP/1.1 request: `head_lines` are extra header lines, each ending in
// "\r\n"; a body gets its Content-Length.
inline std::string build_request(const std::string& method, const std::string& target, const std::string& head_lines,
                                 const std::string& body = "") {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + head_lines;
  if (!body.empty() || method == "POST" || method == "PUT")
    text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return text + "\r\n" + body;
}

// One request on a fresh connection: the response, or nullopt when none came within `timeout`.
inline std::optional<RawResponse> round_trip(int port, const std::string& request, Millis timeout = Millis(2000),
                                             const std::string& local = "") {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  RawClient client;
  if (!client.connect(port, local, timeout)) return std::nullopt;
  auto left = [&] { return std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()); };
  client.send(request, left());  // a refusal may come before the whole request is taken
  return client.read_response(left());
}

}  // namespace docket::server::testing
