#include "server/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "engine/codec/journal_json.h"
#include "engine/codec/json_writer.h"
#include "engine/model/value.h"
#include "engine/runtime/journal.h"
#include "engine/runtime/ticket.h"

namespace docket::server {
namespace {

using engine::EffectKind;
using engine::JsonWriter;
using engine::RecordKind;

const char* outside_kind(EffectKind kind) {
  switch (kind) {
    case EffectKind::kNotify:
      return "notify";
    case EffectKind::kEscalate:
      return "escalate";
    case EffectKind::kAssign:
      return "assign";
    case EffectKind::kEmit:
      return "emit";
    default:
      return nullptr;
  }
}

bool listed(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// An empty list lets anything through; a listed filter needs a value.
bool passes(const std::vector<std::string>& list, std::string_view value) {
  return list.empty() || (!value.empty() && listed(list, value));
}

void write_text_or_null(JsonWriter& json, std::string_view text) {
  if (text.empty()) {
    json.null();
  } else {
    json.string(text);
  }
}

void write_action(JsonWriter& json, const engine::Record& record, const WebhookAction& action) {
  json.key("action").begin_object().key("kind").string(action.kind);
  if (action.part == 0) {
    const engine::SlaMark mark = record.sla.value_or(engine::SlaMark{});
    json.key("metric").string(mark.metric);
    json.key("priority").string(mark.priority);
    json.key("percent").number(mark.percent);
    json.key("due").string(engine::format_timestamp(mark.due));
    std::string limit = mark.limit.empty() ? engine::format_duration(mark.limit_seconds) : mark.limit;
    char percent[32];
    std::snprintf(percent, sizeof percent, "%g", mark.percent);
    json.key("text").string(record.kind == RecordKind::kBreach
                                ? mark.metric + " ran past its " + limit + " limit"
                                : mark.metric + " reached " + percent + "% of its " + limit + " limit");
    json.key("rule");
    write_text_or_null(json, engine::rule_position_text(record.rule));
    json.end_object();
    return;
  }
  const engine::Effect& effect = record.effects[action.part - 1];
  if (action.kind == "emit") {
    json.key("event").string(effect.target);
  } else {
    json.key("recipient").string(effect.target);
  }
  if (action.kind == "notify") {
    json.key("template").string(effect.value);
    json.key("detail");
    write_text_or_null(json, effect.detail);
  }
  json.key("text").string(effect.action);
  json.key("rule");
  write_text_or_null(json, engine::rule_position_text(effect.rule));
  json.end_object();
}

void write_fields(JsonWriter& json, const WebhookConfig& hook, const engine::Ticket* ticket) {
  json.key("fields").begin_object();
  for (const std::string& name : hook.fields) {
    json.key(name);
    const engine::Workflow* workflow = ticket != nullptr ? ticket->workflow.get() : nullptr;
    std::size_t index = workflow != nullptr ? workflow->fields().size() : 0;
    for (std::size_t i = 0; workflow != nullptr && i < workflow->fields().size(); ++i) {
      if (workflow->fields()[i].name == name) index = i;
    }
    if (workflow == nullptr || index >= ticket->fields.size()) {
      json.null();
    } else {
      const engine::Value& value = ticket->fields[index];
      engine::write_value(json, value, workflow->format_value(value));
    }
  }
  json.end_object();
}

}  // namespace

std::vector<WebhookAction> webhook_actions(const engine::Record& record) {
  std::vector<WebhookAction> actions;
  if (record.rejected) return actions;
  if (record.kind == RecordKind::kWarning || record.kind == RecordKind::kBreach) {
    actions.push_back({0, record.kind == RecordKind::kBreach ? "breach" : "warning", "", "", record.event});
  }
  for (std::size_t i = 0; i < record.effects.size(); ++i) {
    const engine::Effect& effect = record.effects[i];
    const char* kind = outside_kind(effect.kind);
    if (kind == nullptr) continue;
    WebhookAction action{static_cast<std::uint32_t>(i + 1), kind, "", "", record.event};
    if (effect.kind == EffectKind::kEmit) {
      action.event = effect.target;
    } else {
      action.recipient = effect.target;
    }
    if (effect.kind == EffectKind::kNotify) action.template_ = effect.value;
    actions.push_back(std::move(action));
  }
  return actions;
}

bool webhook_matches(const WebhookConfig& hook, const WebhookAction& action, std::string_view workflow) {
  return passes(hook.actions, action.kind) && passes(hook.recipients, action.recipient) &&
         passes(hook.templates, action.template_) && passes(hook.workflows, workflow) &&
         passes(hook.events, action.event);
}

std::string webhook_payload(const WebhookConfig& hook, const engine::Record& record, std::string_view record_hash,
                            const engine::Ticket* ticket, const WebhookAction& action) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("delivery_id").string(engine::delivery_id(record.seq, action.part, hook.name));
  json.key("target").string(hook.name);
  json.key("seq").number(record.seq);
  json.key("record_hash").string(record_hash);
  json.key("at").string(engine::format_timestamp(record.at));
  json.key("ticket").string(record.ticket);
  json.key("workflow").string(record.workflow);
  json.key("version").string(record.version);
  json.key("record").string(engine::to_string(record.kind));
  json.key("event");
  write_text_or_null(json, record.event);
  json.key("actor");
  write_text_or_null(json, record.actor.id);
  json.key("from");
  write_text_or_null(json, record.from);
  json.key("to");
  write_text_or_null(json, record.to);
  write_action(json, record, action);
  write_fields(json, hook, ticket);
  json.end_object();
  return out;
}

engine::OutboxRouter webhook_router(std::vector<WebhookConfig> hooks) {
  if (hooks.empty()) return nullptr;
  return [hooks = std::move(hooks)](const engine::Record& record, std::string_view hash, const engine::Ticket* ticket,
                                    std::vector<engine::OutboxItem>& items) {
    for (const WebhookAction& action : webhook_actions(record)) {
      for (const WebhookConfig& hook : hooks) {
        if (!webhook_matches(hook, action, record.workflow)) continue;
        engine::OutboxItem item;
        item.id = engine::delivery_id(record.seq, action.part, hook.name);
        item.seq = record.seq;
        item.part = action.part;
        item.ticket = record.ticket;
        item.target = hook.name;
        item.payload = webhook_payload(hook, record, hash, ticket, action);
        items.push_back(std::move(item));
      }
    }
  };
}

std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  std::string message = std::to_string(unix_seconds) + "." + std::string(body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return "t=" + std::to_string(unix_seconds) + ",v1=" + hex;
}

}  // namespace docket::server
