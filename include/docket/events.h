// Events: what happens to a ticket from outside the engine.
//
//   docket::Event event{.at = docket::parse_timestamp("2026-11-23T09:00:00+08:00"),
//                       .ticket = "T-1001",
//                       .event = "create",
//                       .actor = {"zhang", {"intake_specialist"}},
//                       .data = {{"customer", docket::FieldInput::text("C-1001")},
//                                {"order_amount", docket::FieldInput::number(*docket::Fixed::parse("1299.00"))}}};
//   engine.apply(event);
//
// An event names its ticket, what happened (an event name the rules handle,
// or one of the engine's own: `create` opens a ticket, `approve` and
// `reject` are votes in an approval), who did it and when. Its data is
// untyped, as a form or a JSON document gives it: the engine checks each
// value against the field's declared type and range, and rejects the whole
// event, naming the field, when one does not fit. The data is kept only if
// the event fires a transition.
//
// Numbers are exact decimals with four places (Fixed), never doubles, so
// money stays to the cent. Events may carry an idempotency key: an event
// sent twice with the same key for the same ticket is applied once, and the
// second delivery is answered with the first one's outcome.
//
// EventReader reads events from JSON lines, one event per line, with
// `file:line:column` errors; engine/codec/event_reader.h documents the
// format.

#pragma once

#include "engine/codec/event_reader.h"
#include "engine/model/event.h"
#include "engine/model/value.h"

namespace docket {

using engine::Actor;       // who: an id and the workflow's roles they hold
using engine::DataItem;    // one field value of an event
using engine::Event;       // one event for one ticket
using engine::FieldInput;  // an untyped value: null, text, number or boolean
using engine::Fixed;       // an exact decimal with four places

// The event names the engine handles itself.
using engine::kApproveEvent;
using engine::kCreateEvent;
using engine::kRejectEvent;

// "2026-11-23T09:00:00Z", "2026-11-23T17:00:00+08:00", "2026-11-23" (midnight
// UTC) to epoch seconds; nullopt for anything else.
using engine::parse_timestamp;
// "90s", "30m", "4h", "2d", "1w", "1h30m" to seconds; nullopt for anything else.
using engine::parse_duration;

// Events from a JSON-lines stream, and one event from one line.
using engine::EventLine;
using engine::EventReader;
using engine::EventReaderOptions;
using engine::parse_event_line;

}  // namespace docket
