// What the service benchmarks (bench_serve, bench_outbox) share to speak
// HTTP/1.1 to `docket serve` on 127.0.0.1: a client on plain POSIX sockets
// (one connection, a request written whole, its answer read by its
// Content-Length, every read and write given up after 10 s), the requests
// they send, and reading headers out of a request or answer head.
//
// Header-only: each bench/*.cpp is an executable of its own.

#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "bench/bench_common.h"

namespace docket::bench {

inline bool same_text_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

inline std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The value of header `name` in a request or answer head (the lines after
// the first); nullopt when it has none.
inline std::optional<std::string_view> header_value(std::string_view head, std::string_view name) {
  std::size_t line_end = head.find("\r\n");
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && same_text_ignoring_case(line.substr(0, colon), name)) {
      return trimmed(line.substr(colon + 1));
    }
  }
  return std::nullopt;
}

// 127.0.0.1:`port` (0: any free port, for bind()).
inline sockaddr_in loopback_address(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

struct Answer {
  int status = 0;
  std::string body;
  bool close = false;  // the server closes the connection after this answer
};

// One HTTP/1.1 connection to 127.0.0.1: a request written whole, its answer
// read by its Content-Length (without one, to the end of the connection).
// Every read and write gives up after 10 s.
class Connection {
 public:
  Connection() = default;
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool is_open() const { return fd_ >= 0; }

  bool open(int port, std::string& error) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      error = "socket: " + error_text(errno);
      return false;
    }
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);  // connect() too
    // The request goes out in one write; no delay on this side, so any delay
    // measured is the server's.
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address = loopback_address(port);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      error = "connect: " + error_text(errno);
      close();
      return false;
    }
    return true;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  // Sends `request` and reads one answer. On failure `answered` tells
  // whether any byte of an answer had arrived.
  bool exchange(std::string_view request, Answer& answer, std::string& error, bool& answered) {
    answered = false;
    buffer_.clear();
    for (std::size_t sent = 0; sent < request.size();) {
      ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0) {
        error = "send: " + error_text(errno);
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    std::size_t head_end = std::string::npos;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (buffer_.size() > kMaxHead) {
        error = "an answer head over 64 KiB";
        return false;
      }
      if (!fill(error)) return false;
      answered = true;
    }
    answered = true;
    if (!read_head(std::string_view(buffer_).substr(0, head_end), answer, error)) return false;
    std::size_t body_start = head_end + 4;
    if (content_length_) {
      if (*content_length_ > kMaxBody) {
        error = "an answer body of " + std::to_string(*content_length_) + " bytes";
        return false;
      }
      while (buffer_.size() < body_start + *content_length_) {
        if (!fill(error)) return false;
      }
      answer.body = buffer_.substr(body_start, *content_length_);
    } else {
      // No length: the body runs to the end of the connection.
      while (buffer_.size() - body_start <= kMaxBody && fill(error)) {
      }
      if (!closed_) {
        if (error.empty()) error = "an answer body over 16 MiB";
        return false;
      }
      answer.body = buffer_.substr(body_start);
      answer.close = true;
    }
    return true;
  }

 private:
  static constexpr std::size_t kMaxHead = 64 * 1024;
  static constexpr std::size_t kMaxBody = 16 * 1024 * 1024;

  // Reads what has arrived into buffer_; false at the end of the connection
  // (closed_ set) or on an error.
  bool fill(std::string& error) {
    char chunk[16384];
    for (int attempt = 0; attempt < 100; ++attempt) {  // again only when a signal interrupted it
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0) {
        closed_ = true;
        error = "the server closed the connection";
        return false;
      }
      if (errno == EINTR) continue;
      error = errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within 10 s" : "recv: " + error_text(errno);
      return false;
    }
    error = "recv: interrupted 100 times";
    return false;
  }

  // The status line and the headers this client needs.
  bool read_head(std::string_view head, Answer& answer, std::string& error) {
    content_length_.reset();
    closed_ = false;
    std::string_view status_line = head.substr(0, head.find("\r\n"));
    bool http10 = status_line.starts_with("HTTP/1.0 ");
    if (!(status_line.starts_with("HTTP/1.1 ") || http10) || status_line.size() < 12) {
      error = "not an HTTP answer: " + std::string(status_line);
      return false;
    }
    answer.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    std::optional<std::string_view> connection = header_value(head, "Connection");
    answer.close = connection ? same_text_ignoring_case(*connection, "close") : http10;
    std::optional<std::string_view> encoding = header_value(head, "Transfer-Encoding");
    if (encoding && !same_text_ignoring_case(*encoding, "identity")) {
      error = "Transfer-Encoding: " + std::string(*encoding) + " is not read by this client";
      return false;
    }
    if (std::optional<std::string_view> length = header_value(head, "Content-Length")) {
      content_length_ = std::strtoull(std::string(*length).c_str(), nullptr, 10);
    }
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  std::optional<std::size_t> content_length_;
  bool closed_ = false;
};

// What send_request() did with the connection, added up.
struct ConnectionUse {
  std::size_t opened = 0;   // new connections
  std::size_t retried = 0;  // requests sent again on a new connection
};

// One request on a kept-alive connection, opened when it is not. A
// connection the server had closed before reading the request gets it once
// more on a new one, as HTTP clients do. The connection is closed after a
// failure and after an answer that closes it.
inline bool send_request(Connection& connection, int port, std::string_view request, Answer& answer, std::string& error,
                         ConnectionUse* use = nullptr) {
  ConnectionUse ignored;
  ConnectionUse& counted = use != nullptr ? *use : ignored;
  bool reused = connection.is_open();
  bool answered = false;
  bool ok = reused || connection.open(port, error);
  if (ok) {
    counted.opened += reused ? 0 : 1;
    ok = connection.exchange(request, answer, error, answered);
  }
  if (!ok && reused && !answered) {
    ++counted.retried;
    ok = connection.open(port, error);
    if (ok) {
      ++counted.opened;
      ok = connection.exchange(request, answer, error, answered);
    }
  }
  if (!ok || answer.close) connection.close();
  return ok;
}

// A request to 127.0.0.1:`port` with a bearer token; a POST carries `body`
// as JSON. Without `keep_alive` it asks the server to close the connection
// after its answer.
inline std::string http_request(std::string_view method, int port, std::string_view target, std::string_view token,
                                std::string_view body, bool keep_alive = true) {
  std::string request;
  request.reserve(256 + body.size());
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1:");
  request.append(std::to_string(port)).append("\r\nAuthorization: Bearer ").append(token);
  if (method == "POST") {
    request.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
  }
  request.append(keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n").append(body);
  return request;
}

// Whether the server on `port` answers GET /v1/health with 200 (on a
// connection of its own).
inline bool answers_health(int port) {
  Connection connection;
  std::string error;
  Answer answer;
  bool answered = false;
  std::string request = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  return connection.open(port, error) && connection.exchange(request, answer, error, answered) && answer.status == 200;
}

}  // namespace docket::bench
