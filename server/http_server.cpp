#include "server/http_server.h"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "engine/codec/json_text.h"

// Boost.Asio, Boost.Beast and OpenSSL are included here and nowhere else:
// they are the heaviest headers of the project.

namespace docket::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Parser = http::request_parser<http::string_body>;

// What a refused connection may still send that is read and dropped before
// closing, so that the refusal reaches a client that is still writing
// (closing with unread data sends a reset, which can destroy the answer).
constexpr std::size_t kLingerBytes = std::size_t{8} << 20;
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::chrono::milliseconds kWriteTimeout{10'000};
// How long a stop waits for requests in flight before it closes everything.
constexpr std::chrono::milliseconds kStopGrace{10'000};

// ---------------------------------------------------------------- heads

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

void configure(Parser& parser, const HttpServerOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(options.max_header_bytes, UINT32_MAX)));
  parser.body_limit(options.max_body_bytes);
}

// The request as far as its head goes, or why the transport refuses it.
std::optional<HttpResponse> decode_head(const Parser& parser, const HttpServerOptions& options,
                                        const std::string& remote, HttpRequest& request) {
  const auto& head = parser.get();
  request.method = std::string(head.method_string());
  request.target = std::string(head.target());
  request.remote = remote;
  if (auto authorization = head.find(http::field::authorization); authorization != head.end())
    request.authorization = std::string(authorization->value());
  for (const auto& field : head) {
    if (field.name() == http::field::cookie) {
      if (!request.cookie.empty()) request.cookie += "; ";
      request.cookie += field.value();
    } else if (beast::iequals(field.name_string(), "X-CSRF-Token")) {
      request.csrf_token = std::string(field.value());
    } else if (field.name() == http::field::origin) {
      request.origin = std::string(field.value());
    } else if (field.name() == http::field::host) {
      request.host = std::string(field.value());
    }
  }
  if (static_cast<std::size_t>(std::distance(head.begin(), head.end())) > options.max_headers) {
    return error_response(431, "headers_too_large",
                          "more than " + std::to_string(options.max_headers) + " header fields");
  }
  std::string_view target = head.target();
  if (target.empty() || target.front() != '/')
    return error_response(400, "bad_request", "the request target must be a path starting with /");
  std::size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  std::optional<std::string> path = percent_decode(raw_path);
  if (!path) return error_response(400, "bad_request", "the path has a malformed percent escape");
  request.path = std::move(*path);
  for (const std::string& segment : split(raw_path.substr(1), '/'))
    request.segments.push_back(percent_decode(segment).value_or(""));
  if (question != std::string_view::npos && question + 1 < target.size()) {
    for (const std::string& pair : split(target.substr(question + 1), '&')) {
      if (pair.empty()) continue;
      std::size_t equals = pair.find('=');
      auto key = percent_decode(std::string_view(pair).substr(0, equals), true);
      auto value = percent_decode(equals == std::string::npos ? "" : std::string_view(pair).substr(equals + 1), true);
      if (!key || !value) return error_response(400, "bad_request", "the query has a malformed percent escape");
      request.query.emplace_back(std::move(*key), std::move(*value));
    }
  }
  return std::nullopt;
}

// The answer to a read that failed, nullopt when there is nobody to answer
// (the client left, the connection closed).
std::optional<HttpResponse> refusal_for(const beast::error_code& error, const HttpServerOptions& options,
                                        bool head_done) {
  if (error == http::error::body_limit)
    return error_response(413, "payload_too_large",
                          "the body is larger than " + std::to_string(options.max_body_bytes) + " bytes");
  if (error == http::error::header_limit)
    return error_response(431, "headers_too_large",
                          "the request head is larger than " + std::to_string(options.max_header_bytes) + " bytes");
  if (error == beast::error::timeout)
    return error_response(408, "request_timeout",
                          head_done ? "the body did not arrive in time" : "the request head did not arrive in time");
  if (error.category() == http::make_error_code(http::error::end_of_stream).category() &&
      error != http::error::end_of_stream && error != http::error::partial_message && error != http::error::need_more)
    return error_response(400, "bad_request", "malformed HTTP request: " + error.message());
  return std::nullopt;
}

http::response<http::string_body> to_message(HttpResponse response, unsigned version, bool keep_alive) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), version};
  message.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) message.set(name, value);
  message.body() = std::move(response.body);
  message.keep_alive(keep_alive);
  message.prepare_payload();
  return message;
}

// ---------------------------------------------------------------- connections

// Counts open connections, in total and by client address.
class ConnectionCounter {
 public:
  explicit ConnectionCounter(const HttpServerOptions& options) : options_(options) {}

  // Whether a connection from `address` may open; counts it when it may.
  bool enter(const std::string& address) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t& from = by_address_[address];
    if (total_ >= options_.max_connections || from >= options_.max_connections_per_address) {
      if (from == 0) by_address_.erase(address);
      return false;
    }
    ++total_;
    ++from;
    return true;
  }

  void leave(const std::string& address) {
    std::lock_guard<std::mutex> lock(mutex_);
    --total_;
    auto it = by_address_.find(address);
    if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
  }

 private:
  const HttpServerOptions& options_;
  std::mutex mutex_;
  std::size_t total_ = 0;
  std::map<std::string, std::size_t> by_address_;
};

// What every connection shares.
struct Shared {
  Shared(HttpServerOptions given, HttpHooks hooks)
      : options(std::move(given)),
        hooks(std::move(hooks)),
        workers(static_cast<std::size_t>(std::max(1, options.threads))),
        counter(options) {}

  HttpServerOptions options;
  HttpHooks hooks;
  asio::thread_pool workers;
  ConnectionCounter counter;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> live{0};

  std::mutex sessions_mutex;
  std::map<std::uint64_t, std::function<void()>> stoppers;  // closes a session if it is idle
  std::uint64_t next_session = 0;                           // the last id given
};

template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Shared& shared, std::string remote, bool counted)
      : stream_(std::move(stream)), shared_(shared), remote_(std::move(remote)), counted_(counted) {
    ++shared_.live;
  }

  ~Session() {
    if (counted_) shared_.counter.leave(remote_);
    std::lock_guard<std::mutex> lock(shared_.sessions_mutex);
    if (id_ != 0) shared_.stoppers.erase(id_);
    --shared_.live;
  }

  void start() {
    {
      std::lock_guard<std::mutex> lock(shared_.sessions_mutex);
      id_ = ++shared_.next_session;  // 0: a refused connection, never registered
      std::weak_ptr<Session> weak = this->shared_from_this();
      shared_.stoppers[id_] = [weak, executor = stream_.get_executor()] {
        asio::post(executor, [weak] {
          if (auto self = weak.lock()) self->on_stop();
        });
      };
    }
    lowest().expires_after(shared_.options.header_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (error) return self->close_now();
                                self->wait_for_request();
                              });
    } else {
      wait_for_request();
    }
  }

  // A connection over a limit: the answer, then closed.
  void refuse(HttpResponse response) {
    HttpRequest request;
    request.remote = remote_;
    if (shared_.hooks.refused) shared_.hooks.refused(request, response);
    keep_alive_ = false;
    // Not counted against the limits, so it must not linger: closed at once.
    linger_ = false;
    write(std::move(response), true);
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_stop() {
    if (!busy_) close_now();
  }

  // Idle until the first byte of a request, then the head deadline runs.
  void wait_for_request() {
    if (shared_.stopping) return close_now();
    if (buffer_.size() > 0) return read_head();
    lowest().expires_after(shared_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code error, std::size_t read) {
                              if (error) return self->close_now();
                              self->buffer_.commit(read);
                              self->read_head();
                            });
  }

  void read_head() {
    parser_.emplace();
    configure(*parser_, shared_.options);
    request_ = HttpRequest{};
    request_.remote = remote_;
    lowest().expires_after(shared_.options.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                              if (error) return self->read_failed(error, false);
                              self->head_read();
                            });
  }

  void head_read() {
    busy_ = true;
    keep_alive_ = parser_->get().keep_alive();
    if (auto refusal = read_head_of(*parser_)) return refuse_request(std::move(*refusal));
    if (shared_.hooks.head) {
      if (auto refusal = shared_.hooks.head(request_)) return refuse_request(std::move(*refusal));
    }
    auto expect = parser_->get().find(http::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      auto continue_message = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      lowest().expires_after(kWriteTimeout);
      http::async_write(stream_, *continue_message,
                        [self = this->shared_from_this(), continue_message](beast::error_code error, std::size_t) {
                          if (error) return self->close_now();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  std::optional<HttpResponse> read_head_of(const Parser& parser) {
    return decode_head(parser, shared_.options, remote_, request_);
  }

  void read_body() {
    lowest().expires_after(shared_.options.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                       if (error) return self->read_failed(error, true);
                       self->dispatch();
                     });
  }

  void read_failed(const beast::error_code& error, bool head_done) {
    std::optional<HttpResponse> refusal = refusal_for(error, shared_.options, head_done);
    if (!refusal) return close_now();
    refuse_request(std::move(*refusal));
  }

  void refuse_request(HttpResponse response) {
    busy_ = true;
    if (shared_.hooks.refused) shared_.hooks.refused(request_, response);
    keep_alive_ = false;
    write(std::move(response), true);
  }

  void dispatch() {
    request_.body = std::move(parser_->get().body());
    version_ = parser_->get().version();
    lowest().expires_never();
    asio::post(shared_.workers, [self = this->shared_from_this()] {
      HttpResponse response;
      try {
        response = self->shared_.hooks.handle(self->request_);
      } catch (const std::exception& e) {
        spdlog::error("request {} {}: {}", engine::printable(self->request_.method),
                      engine::printable(self->request_.target), e.what());
        response = error_response(500, "internal", "internal error");
      }
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable { self->write(std::move(response), false); });
    });
  }

  void write(HttpResponse response, bool refusal) {
    bool keep_alive = keep_alive_ && !refusal && !shared_.stopping;
    auto message =
        std::make_shared<http::response<http::string_body>>(to_message(std::move(response), version_, keep_alive));
    lowest().expires_after(kWriteTimeout);
    http::async_write(
        stream_, *message,
        [self = this->shared_from_this(), message, keep_alive, refusal](beast::error_code error, std::size_t) {
          self->busy_ = false;
          if (error) return self->close_now();
          if (refusal && self->linger_) return self->linger();
          if (refusal) return self->close_gracefully();
          if (!keep_alive) return self->close_gracefully();
          self->wait_for_request();
        });
  }

  // After a refusal: stop sending, read and drop what the client still
  // sends (bounded), then close.
  void linger() {
    if constexpr (kTls) {
      close_gracefully();
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      lowest().expires_after(kLingerTime);
      drain();
    }
  }

  void drain() {
    if (drained_ >= kLingerBytes) return close_now();
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = this->shared_from_this()](beast::error_code error, std::size_t read) {
                              if (error) return self->close_now();
                              self->drained_ += read;
                              self->drain();
                            });
  }

  void close_gracefully() {
    if constexpr (kTls) {
      lowest().expires_after(kLingerTime);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      close_now();
    }
  }

  void close_now() {
    beast::error_code ignored;
    lowest().socket().close(ignored);
  }

  Stream stream_;
  Shared& shared_;
  std::string remote_;
  bool counted_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  HttpRequest request_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool linger_ = true;  // after a refusal, drain what the client still sends
  std::size_t drained_ = 0;
};

}  // namespace

// ---------------------------------------------------------------- the server

struct HttpServer::Impl {
  Impl(HttpServerOptions options, HttpHooks hooks) : shared(std::move(options), std::move(hooks)), acceptor(io) {}

  bool tls() const { return !shared.options.tls_certificate.empty(); }

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (error) {
        // Out of file descriptors or a passing fault: do not spin.
        spdlog::warn("accept: {}", error.message());
        pause.expires_after(std::chrono::milliseconds(100));
        pause.async_wait([this](beast::error_code) { accept(); });
        return;
      }
      start_session(std::move(socket));
      accept();
    });
  }

  void start_session(tcp::socket socket) {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto endpoint = socket.remote_endpoint(ignored);
    std::string remote = ignored ? "?" : endpoint.address().to_string();
    bool admitted = !shared.stopping && shared.counter.enter(remote);
    if (tls()) {
      launch(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                 beast::ssl_stream<beast::tcp_stream>(std::move(socket), *ssl), shared, remote, admitted),
             admitted);
    } else {
      launch(
          std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), shared, remote, admitted),
          admitted);
    }
  }

  template <typename SessionPtr>
  void launch(SessionPtr session, bool admitted) {
    if (admitted) return session->start();
    // Plain only: a TLS client over the limit would need a handshake first,
    // which is what the limit is there to save. It is closed instead.
    if (tls()) return;
    session->refuse(error_response(503, "unavailable", "too many connections; try again later"));
  }

  // After stop(): waits for the sessions to end, then ends the loop.
  void wait_for_sessions(std::chrono::steady_clock::time_point deadline) {
    if (shared.live == 0 || std::chrono::steady_clock::now() >= deadline) {
      work.reset();
      io.stop();
      return;
    }
    pause.expires_after(std::chrono::milliseconds(20));
    pause.async_wait([this, deadline](beast::error_code) { wait_for_sessions(deadline); });
  }

  Shared shared;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor;
  asio::steady_timer pause{io};
  std::optional<asio::ssl::context> ssl;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(hooks))) {}

HttpServer::~HttpServer() { impl_->shared.workers.join(); }

engine::Result<int> HttpServer::bind() {
  using R = engine::Result<int>;
  const HttpServerOptions& options = impl_->shared.options;
  std::string where = options.host + ":" + std::to_string(options.port);
  if (impl_->tls()) {
    try {
      impl_->ssl.emplace(asio::ssl::context::tls_server);
      impl_->ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                              asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
      impl_->ssl->use_certificate_chain_file(options.tls_certificate);
      impl_->ssl->use_private_key_file(options.tls_key, asio::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      return R::failure("TLS: cannot use " + options.tls_certificate + " and " + options.tls_key + ": " +
                        e.code().message());
    }
  }
  beast::error_code error;
  auto address = asio::ip::make_address(options.host == "localhost" ? "127.0.0.1" : options.host, error);
  if (error) return R::failure("cannot listen on " + where + ": not an IP address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return R::failure("cannot listen on " + where + ": " + error.message());
  return R::success(acceptor.local_endpoint().port());
}

void HttpServer::serve() {
  impl_->accept();
  std::thread second([this] { impl_->io.run(); });
  impl_->io.run();
  second.join();
  impl_->shared.workers.join();
}

void HttpServer::stop() {
  asio::post(impl_->io, [this] {
    if (impl_->shared.stopping.exchange(true)) return;
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->pause.cancel();
    {
      std::lock_guard<std::mutex> lock(impl_->shared.sessions_mutex);
      for (auto& [id, stop_session] : impl_->shared.stoppers) stop_session();
    }
    impl_->wait_for_sessions(std::chrono::steady_clock::now() + kStopGrace);
  });
}

// ---------------------------------------------------------------- helpers

std::string error_body(std::string_view code, std::string_view message) {
  std::string body = "{\"error\":{\"code\":";
  engine::append_json_string(body, code);
  body += ",\"message\":";
  engine::append_json_string(body, message);
  body += "}}";
  return body;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.body = error_body(code, message);
  return response;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex(text[i + 1]);
      int low = hex(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += plus_is_space && c == '+' ? ' ' : c;
    }
  }
  return out;
}

std::vector<ParsedRequest> parse_requests(std::string_view bytes, const HttpServerOptions& options) {
  std::vector<ParsedRequest> parsed;
  while (!bytes.empty()) {
    Parser parser;
    configure(parser, options);
    parser.eager(true);
    HttpRequest request;
    bool head_checked = false;
    beast::error_code error;
    while (!parser.is_done() && !error) {
      std::size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), error);
      bytes.remove_prefix(used);
      // All the bytes there are were given: the rest has not arrived. (Beast
      // must not be called again without more bytes.)
      if (error == http::error::need_more) return parsed;
      if (!error && parser.is_header_done() && !head_checked) {
        head_checked = true;
        if (auto refusal = decode_head(parser, options, "fuzz", request)) {
          parsed.push_back({std::nullopt, std::move(refusal)});
          return parsed;
        }
      }
      if (!error && used == 0 && !parser.is_done()) return parsed;
    }
    if (error) {
      std::optional<HttpResponse> refusal = refusal_for(error, options, parser.is_header_done());
      if (refusal) parsed.push_back({std::nullopt, std::move(refusal)});
      return parsed;
    }
    request.body = std::move(parser.get().body());
    bool keep_alive = parser.get().keep_alive();
    parsed.push_back({std::move(request), std::nullopt});
    if (!keep_alive) return parsed;
  }
  return parsed;
}

}  // namespace docket::server
