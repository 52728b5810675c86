// How an Engine behaves where a deployment may choose: its limits and when
// SLA clocks start. Kept apart from engine.h so that the runner, which
// carries out one unit of work for the engine, needs only this.

#pragma once

#include <cstdint>

namespace docket::engine {

struct EngineOptions {
  // Most transitions one unit of work may take, the first one included.
  int max_steps = 100;

  // Most events one ticket takes in its life, the `create` and refused
  // events included; later ones are rejected. Bounds a ticket's journal and
  // its idempotency keys when another system sends in a loop.
  std::uint64_t max_events_per_ticket = 100'000;

  enum class SlaStart : std::uint8_t { kTicketCreation, kFirstPriority };
  SlaStart sla_start = SlaStart::kTicketCreation;
};

}  // namespace docket::engine
