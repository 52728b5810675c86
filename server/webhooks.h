// What a journal record asks of the webhooks, and how a delivery is signed.
//
//   engine::OutboxRouter router = webhook_router(config.webhooks);
//   store_options.outbox_router = router;  // items written with each unit
//
// A record asks for one delivery per matching target and per action that
// reaches outside (docs/webhooks.md):
//   - each `notify`, `escalate`, `assign` and `emit` effect, part 1.. by its
//     place among the record's effects;
//   - an SLA warning or breach record itself, part 0.
// Rejected records ask for nothing. The payload is written once, when the
// unit commits, and sent as is on every attempt: the receiver sees the same
// bytes and the same delivery id however often it is retried.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/store/outbox.h"
#include "server/config.h"

namespace docket::engine {
struct Record;
struct Ticket;
}  // namespace docket::engine

namespace docket::server {

// An action a record asks of the outside, before targets are chosen.
struct WebhookAction {
  std::uint32_t part = 0;
  std::string kind;       // one of kWebhookActions
  std::string recipient;  // notify / escalate / assign; "" otherwise
  std::string template_;  // notify: the message; "" otherwise
  std::string event;      // emit: the event emitted; others: the record's event (may be "")
};

// The actions of `record`, in part order.
std::vector<WebhookAction> webhook_actions(const engine::Record& record);

// Whether `hook` wants `action` of a record of `workflow`.
bool webhook_matches(const WebhookConfig& hook, const WebhookAction& action, std::string_view workflow);

// The JSON body of the delivery of `action` to `hook` (docs/webhooks.md):
// the record's seq, hash, time, ticket, workflow, version, kind, event,
// actor, states, the action, and the ticket's fields that `hook.fields`
// names (null when unset or unknown to the ticket's workflow).
std::string webhook_payload(const WebhookConfig& hook, const engine::Record& record, std::string_view record_hash,
                            const engine::Ticket* ticket, const WebhookAction& action);

// A router for the store: items for every target that wants each action.
engine::OutboxRouter webhook_router(std::vector<WebhookConfig> hooks);

// The Docket-Signature header's value: "t=<unix seconds>,v1=<hex HMAC-SHA256
// of `secret` over "<t>.<body>">".
std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

}  // namespace docket::server
