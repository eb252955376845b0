// gateway/resolver/doh_client.cpp - one DoH upstream: connections, waiting queries, deadlines, one retry.
#include "gateway/resolver/doh_client.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/logging.hpp"
#include "gateway/resolver/doh_error.hpp"

namespace switchyard::gateway {

namespace asio = boost::asio;
using boost::system::error_code;

// Every handler holds a weak_ptr to the pool and locks it first: after the
// client is destroyed nothing is called back, and while a callback runs the
// pool stays alive even if that callback destroys the client.
class doh_client::pool : public std::enable_shared_from_this<pool> {
 public:
  pool(asio::io_context& core, std::shared_ptr<asio::ssl::context> tls, doh_target target, doh_client_limits limits)
      : core_(core),
        tls_(std::move(tls)),
        target_(std::make_shared<const doh_target>(std::move(target))),
        limits_(limits),
        log_(get_logger("resolver")) {}

  ticket query(std::vector<std::byte> message, clock::time_point deadline, callback done) {
    auto id = next_ticket_++;
    ++counters_.queries;
    auto r = std::make_unique<request>(core_);
    r->message = std::make_shared<const std::vector<std::byte>>(std::move(message));
    r->done = std::move(done);
    auto& entry = *requests_.emplace(id, std::move(r)).first->second;

    if (queue_.size() >= limits_.max_queued || closed_) {
      ++counters_.rejected;
      auto why = closed_ ? doh_errc::shut_down : doh_errc::queue_full;
      asio::post(core_, [weak = weak_from_this(), id, why] {
        if (auto self = weak.lock()) self->finish(id, why, {});
      });
      return id;
    }
    entry.timer.expires_at(deadline);
    entry.timer.async_wait([weak = weak_from_this(), id](error_code ec) {
      auto self = weak.lock();
      if (!ec && self) self->on_deadline(id);
    });
    queue_.push_back(id);
    dispatch();
    return id;
  }

  void cancel(ticket id) {
    auto it = requests_.find(id);
    if (it == requests_.end()) return;
    // Its answer may never come: the connection is not worth waiting for.
    if (it->second->connection) it->second->connection->close();
    forget(id);
  }

  void shut_down() {
    closed_ = true;
    for (auto& c : connections_) c->close();
    connections_.clear();
    queue_.clear();
    requests_.clear();
  }

  const std::string& url() const { return target_->url; }
  const doh_client_counters& counters() const { return counters_; }

 private:
  struct request {
    explicit request(asio::io_context& core) : timer(core) {}
    std::shared_ptr<const std::vector<std::byte>> message;
    callback done;
    asio::steady_timer timer;
    std::shared_ptr<doh_connection> connection;  // while on the wire
    bool retried = false;
  };

  // Hands waiting queries to idle connections, opening new ones up to the limit.
  void dispatch() {
    if (closed_) return;
    std::erase_if(connections_, [](const auto& c) { return !c->busy() && !c->reusable(); });
    while (!queue_.empty()) {
      auto it = std::find_if(connections_.begin(), connections_.end(), [](const auto& c) { return c->reusable(); });
      std::shared_ptr<doh_connection> connection;
      if (it != connections_.end()) {
        connection = *it;
      } else if (connections_.size() < limits_.max_connections) {
        connection = make_doh_connection(core_, tls_, target_, limits_.connection, next_connection_++);
        connections_.push_back(connection);
        ++counters_.connections;
      } else {
        return;
      }
      auto id = queue_.front();
      queue_.pop_front();
      auto& r = *requests_.at(id);
      r.connection = connection;
      bool reused = connection->answered() > 0;
      connection->send(r.message, [weak = weak_from_this(), id, reused](error_code ec, std::vector<std::byte> answer) {
        if (auto self = weak.lock()) self->on_answer(id, reused, ec, std::move(answer));
      });
    }
  }

  void on_answer(ticket id, bool reused, error_code ec, std::vector<std::byte> answer) {
    auto self = shared_from_this();
    if (auto it = requests_.find(id); it != requests_.end()) {
      auto& r = *it->second;
      r.connection.reset();
      if (ec && reused && !r.retried && ec.category() != doh_category()) {
        log_->debug("[{}] kept-alive connection failed ({}), retrying once on a new one", target_->url, ec.message());
        r.retried = true;
        ++counters_.retries;
        queue_.push_front(id);
      } else {
        finish(id, ec, std::move(answer));
      }
    }
    dispatch();
  }

  void on_deadline(ticket id) {
    auto it = requests_.find(id);
    if (it == requests_.end()) return;
    ++counters_.timeouts;
    if (it->second->connection) it->second->connection->close();
    auto self = shared_from_this();
    finish(id, asio::error::timed_out, {});
    dispatch();
  }

  void forget(ticket id) {
    queue_.erase(std::remove(queue_.begin(), queue_.end(), id), queue_.end());
    requests_.erase(id);
  }

  void finish(ticket id, error_code ec, std::vector<std::byte> answer) {
    auto it = requests_.find(id);
    if (it == requests_.end()) return;
    auto done = std::move(it->second->done);
    forget(id);
    if (done) done(ec, std::move(answer));
  }

  asio::io_context& core_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::shared_ptr<const doh_target> target_;
  doh_client_limits limits_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::shared_ptr<doh_connection>> connections_;
  std::deque<ticket> queue_;  // bounded by max_queued; the ids of requests_ not yet on a connection
  std::unordered_map<ticket, std::unique_ptr<request>> requests_;
  ticket next_ticket_ = 1;
  std::uint64_t next_connection_ = 1;
  doh_client_counters counters_;
  bool closed_ = false;
};

doh_client::doh_client(asio::io_context& core, std::shared_ptr<asio::ssl::context> tls, const doh_upstream& upstream,
                       doh_client_limits limits)
    : pool_(std::make_shared<pool>(core, std::move(tls), make_doh_target(upstream), limits)) {}

doh_client::~doh_client() { pool_->shut_down(); }

doh_client::ticket doh_client::query(std::vector<std::byte> message, clock::time_point deadline, callback done) {
  return pool_->query(std::move(message), deadline, std::move(done));
}

void doh_client::cancel(ticket t) { pool_->cancel(t); }

const std::string& doh_client::url() const { return pool_->url(); }

const doh_client_counters& doh_client::counters() const { return pool_->counters(); }

}  // namespace switchyard::gateway
