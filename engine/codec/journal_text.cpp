#include "engine/codec/journal_text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <vector>

namespace docket::engine {
namespace {

// Control characters would break the one-line promise: escape them as JSON does.
std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
      continue;
    }
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", byte);
        out += buffer;
      }
    }
  }
  return out;
}

std::string when(std::int64_t at) {
  std::string text = format_timestamp(at);  // 2026-11-23T09:00:00Z
  std::size_t t = text.find('T');
  if (t != std::string::npos) text[t] = ' ';
  return text;
}

std::string limit_text(const SlaMark& sla) {
  std::string text = sla.limit.empty() ? format_duration(sla.limit_seconds, LargestUnit::kHour) : sla.limit;
  if (!sla.calendar.empty()) text += " in " + sla.calendar;
  return text;
}

// Shortest exact form, whatever the locale: "80", "12.5".
std::string percent_text(double percent) {
  std::array<char, 32> buffer{};
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), percent);
  return error == std::errc() ? std::string(buffer.data(), end) : std::string("?");
}

// What happened, before the actor and the rule.
std::string body(const Record& record) {
  std::string in_state = record.from.empty() ? std::string() : " in " + record.from;
  switch (record.kind) {
    case RecordKind::kTransition: {
      std::string text = (record.from.empty() ? std::string("new") : record.from) + " -> " + record.to;
      if (record.cause == Cause::kAutomatic) {
        text += record.event.empty() ? " auto" : " auto after " + record.event;
      } else if (!record.event.empty()) {
        text += " on " + record.event;
      } else {
        text += std::string(" by ") + to_string(record.cause);
      }
      return text;
    }
    case RecordKind::kTimer:
      if (record.from == record.to) return "timer" + in_state;
      return "timer " + record.from + " -> " + record.to;
    case RecordKind::kApproval:
      return "APPROVAL" + in_state + (record.event.empty() ? std::string() : " on " + record.event);
    case RecordKind::kApprovalTimeout:
      return "APPROVAL TIMEOUT" + in_state;
    case RecordKind::kWarning:
    case RecordKind::kEscalation:
    case RecordKind::kBreach: {
      std::string text = record.kind == RecordKind::kWarning      ? "WARNING"
                         : record.kind == RecordKind::kEscalation ? "ESCALATION"
                                                                  : "BREACH";
      if (record.sla) {
        const SlaMark& sla = *record.sla;
        text += " " + sla.metric + " ";
        if (record.kind == RecordKind::kBreach) {
          text += limit_text(sla);
        } else {
          text += percent_text(sla.percent) + "% of " + limit_text(sla);
        }
        if (!sla.priority.empty()) text += " under " + sla.priority;
      }
      return text + in_state;
    }
    case RecordKind::kRejection: {
      std::string what = !record.event.empty() ? record.event : std::string(to_string(record.cause));
      return "REJECTED " + what + in_state;
    }
    case RecordKind::kMigration:
      return "MIGRATED " + record.from + " -> " + record.to + " to version " + record.version.substr(0, 12);
  }
  return to_string(record.kind);
}

std::string actor_text(const Actor& actor) {
  if (actor.id.empty() && actor.roles.empty()) return {};
  std::string text = " by " + (actor.id.empty() ? std::string("(system)") : actor.id);
  if (!actor.roles.empty()) {
    text += " [";
    for (std::size_t i = 0; i < actor.roles.size(); ++i) text += (i > 0 ? ", " : "") + actor.roles[i];
    text += "]";
  }
  return text;
}

std::string changes_text(const std::vector<Change>& changes) {
  std::string text;
  for (const Change& change : changes) {
    if (!text.empty()) text += ", ";
    if (change.after_text.empty() && !change.after.is_set()) {
      text += change.field + " cleared";
    } else {
      text += change.field + "=" + change.after_text;
    }
    if (change.before.is_set() || !change.before_text.empty()) text += " (was " + change.before_text + ")";
  }
  return text;
}

// What the event sent that no change shows: a value equal to the field's
// (accepted), or what the rules refused or never reached (rejected).
std::string unshown_data_text(const Record& record) {
  std::string text;
  for (const DataItem& item : record.data) {
    bool shown = std::any_of(record.changes.begin(), record.changes.end(),
                             [&item](const Change& change) { return change.field == item.field; });
    if (shown) continue;
    text += (text.empty() ? "" : ", ") + item.field + "=" + item.value.describe();
  }
  if (text.empty()) return text;
  return (record.rejected ? "also sent " : "sent unchanged ") + text;
}

std::string effect_text(const Effect& effect) {
  auto with_detail = [&effect](std::string text) {
    if (!effect.detail.empty()) text += " (" + effect.detail + ")";
    return text;
  };
  std::string action =
      effect.action.empty() ? std::string(to_string(effect.kind)) + " " + effect.target : effect.action;
  switch (effect.kind) {
    case EffectKind::kSet:
      return {};  // shown by the changes
    case EffectKind::kRoute:
      return "route " + effect.target + " -> " + effect.value;
    case EffectKind::kRaisePriority:
      return with_detail(action + (effect.value.empty() ? std::string() : " -> " + effect.value));
    case EffectKind::kClassify:
      return effect.detail.empty() ? action + " -> " + effect.value : action + " (" + effect.detail + ")";
    case EffectKind::kClock:
      return "clock " + effect.target + " " + effect.value;
    case EffectKind::kApprovalChain:
      return with_detail("approval chain " + effect.target +
                         (effect.value.empty() ? std::string() : ": " + effect.value));
    case EffectKind::kApprovalVote:
      return action + " at " + effect.target + " (" + effect.value + ")";
    case EffectKind::kApprovalLevel:
      return "level " + effect.target + " " + effect.value;
    case EffectKind::kAssign:
    case EffectKind::kNotify:
    case EffectKind::kEscalate:
    case EffectKind::kEmit:
      return with_detail(action);
  }
  return action;
}

}  // namespace

std::string format_record_line(const Record& record) {
  std::string line = when(record.at) + " #" + std::to_string(record.seq) + " " +
                     (record.ticket.empty() ? std::string("(no ticket)") : record.ticket) + " " + body(record) +
                     actor_text(record.actor);
  if (!record.rule.where.empty()) line += " (" + record.rule.where + ")";
  if (record.rejected || !record.reason.empty()) line += ": " + record.reason;

  std::vector<std::string> items;
  if (!record.changes.empty()) {
    items.push_back((record.rejected ? "not applied: " : "set ") + changes_text(record.changes));
  }
  if (std::string sent = unshown_data_text(record); !sent.empty()) items.push_back(std::move(sent));
  for (const Effect& effect : record.effects) {
    std::string text = effect_text(effect);
    if (!text.empty()) items.push_back(std::move(text));
  }
  for (const Rebasing& rebasing : record.rebased) items.push_back(format_rebasing(rebasing));
  for (std::size_t i = 0; i < items.size(); ++i) line += (i == 0 && !record.rejected ? " " : "; ") + items[i];
  if (record.idempotency_key) line += "; idempotency key " + *record.idempotency_key;
  return one_line(line);
}

std::string format_rebasing(const Rebasing& rebasing) {
  auto due = [](std::int64_t at) { return at == kNever ? std::string("never") : when(at); };
  std::string what = "timer " + rebasing.timer.where;
  if (!rebasing.clock.empty()) {
    what = rebasing.clock + " " + percent_text(rebasing.percent_before) + "%";
    if (rebasing.percent_after != rebasing.percent_before) what += " -> " + percent_text(rebasing.percent_after) + "%";
  }
  std::string text = "rebased " + what + " due " + due(rebasing.due_before) + " -> " + due(rebasing.due_after);
  if (!rebasing.notices.empty()) {
    text += rebasing.notices.size() == 1 ? " (notice " : " (notices ";
    for (std::size_t i = 0; i < rebasing.notices.size(); ++i) text += (i > 0 ? ", " : "") + rebasing.notices[i];
    text += ")";
  }
  return text;
}

}  // namespace docket::engine
