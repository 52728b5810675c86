"""The Python `transitions` peer of the comparison (scripts/bench, part g).

    python3 transitions_run.py --machine FILE --rules peer_rules.json \
        --events FILE --log FILE --states FILE

The machine that `docket graph --format xstate` exports for
rules/after_sales.docket, rebuilt as one `transitions.Machine` (Debian's
python3-transitions) with one model per ticket, run over the event stream of
make_stream.py, one log line per transition, as bench_peers does with docket.

What the export leaves to its consumer, supplied here as in xstate_run.mjs:
- Guards: each guard stands for a transition's `when` condition (meta.when,
  hand-written below, keyed by its text: an unknown text stops the run) and
  its `by` roles (meta.by: the actor must hold one).
- Data: the event's data is what the guards read first, then the ticket's
  fields; it is kept when a transition is taken.
- Actions: `classify category`, `classify priority` and `set F = V` change the
  fields; the others do nothing.
- `always` transitions are tried (trigger `auto`) after every event while the
  ticket rests in a state that has them; a self transition is reflexive
  (exit and entry run), as XState's `reenter`.
- Approvals: the stream's `approve` / `reject` votes become `approved` /
  `rejected` when the voter holds the role that decides the ticket's
  priority (peer_rules.json); a priority that needs no approval gets
  `approved` at once after the event that brought the ticket there.
- Timers: none (transitions has no virtual clock; the stream never lets one
  come due in docket either).
- A ticket that reaches a final state is removed from the machine:
  `Machine.add_model` checks its list of models linearly, and keeping 20,000
  closed tickets would make every `create` pay for all of them.

The log line: `TICKET FROM TO EVENT`, FROM `-` when the ticket is created.
Lines go through a file object with a 1 MiB buffer.

Timed: every event triggered, the log written and closed. Output on stdout:
    PEER|transitions VERSION|events|transitions|seconds
"""

import argparse
import json
import re
import sys
import time

import transitions
from transitions import Machine
from transitions.core import MachineError

# The conditions of rules/after_sales.docket's guards; `v(name)` is the
# event's value of a field, else the ticket's.
CONDITIONS = {
    "mood == angry": lambda v: v("mood") == "angry",
    "mood != angry": lambda v: v("mood") != "angry",
    "problem_confirmed": lambda v: v("problem_confirmed") is True,
    "category == product_fault and remedy in (repair, replacement, compensation, extended_warranty)":
        lambda v: v("category") == "product_fault"
        and v("remedy") in ("repair", "replacement", "compensation", "extended_warranty"),
    "category == service_error and remedy in (apology_coupon, free_upgrade, compensation)":
        lambda v: v("category") == "service_error" and v("remedy") in ("apology_coupon", "free_upgrade", "compensation"),
    "category == inquiry": lambda v: v("category") == "inquiry",
    "category == rights_claim": lambda v: v("category") == "rights_claim",
    "alternative == loaner": lambda v: v("alternative") == "loaner",
    "alternative == delay_compensation": lambda v: v("alternative") == "delay_compensation",
    "alternative == wait": lambda v: v("alternative") == "wait",
    "confirmation != none": lambda v: v("confirmation") != "none",
    "overall >= 4": lambda v: v("overall") is not None and v("overall") >= 4,
    "overall <= 3": lambda v: v("overall") is not None and v("overall") <= 3,
    'improvement_plan != ""': lambda v: v("improvement_plan") not in (None, ""),
}


def fail(message):
    sys.stderr.write("transitions_run: %s\n" % message)
    sys.exit(1)


class Ticket:
    """One model of the machine: a ticket's id and fields."""

    def __init__(self, ticket_id, fields):
        self.id = ticket_id
        self.fields = fields


class Log:
    """One `TICKET FROM TO EVENT` line per transition into a buffered file."""

    def __init__(self, path):
        self.file = open(path, "w", encoding="utf-8", buffering=1 << 20)
        self.count = 0

    def line(self, ticket, source, dest, event):
        self.file.write("%s %s %s %s\n" % (ticket, source, dest, event))
        self.count += 1


def build(machine_json, peer_rules, log):
    """The Machine, the states with automatic transitions, those awaiting approval."""
    def guard(name, meta):
        when = meta.get("when")
        roles = meta.get("by", [])
        condition = None
        if when is not None:
            condition = CONDITIONS.get(when)
            if condition is None:
                fail("guard %s: no implementation of the condition `%s`" % (name, when))

        def check(event_data):
            fields = event_data.model.fields
            data = event_data.kwargs.get("data") or {}

            def v(field):
                return data[field] if field in data else fields.get(field)

            if condition is not None and not condition(v):
                return False
            if not roles:
                return True
            held = event_data.kwargs.get("roles") or ()
            return any(role in held for role in roles)

        return check

    def nothing(event_data):
        pass

    def action(name):
        if name == "classify category":
            def classify_category(event_data):
                fields = event_data.model.fields
                fields["category"] = peer_rules["classify_category"][fields["problem_type"]]
            return classify_category
        if name == "classify priority":
            def classify_priority(event_data):
                fields = event_data.model.fields
                fields["priority"] = peer_rules["classify_priority"][fields["impact"]][fields["urgency"]]
            return classify_priority
        match = re.fullmatch(r"set (\w+) = (\w+)", name)
        if match:
            field, value = match.groups()

            def set_field(event_data):
                event_data.model.fields[field] = value
            return set_field
        return nothing

    def merge_data(event_data):
        data = event_data.kwargs.get("data")
        if data:
            event_data.model.fields.update(data)

    def log_transition(event_data):
        log.line(event_data.model.id, event_data.transition.source, event_data.transition.dest,
                 event_data.kwargs.get("logged_as") or event_data.event.name)

    states = []
    for name, state in machine_json["states"].items():
        states.append({"name": name, "on_enter": [action(a) for a in state.get("entry", [])],
                       "on_exit": [action(a) for a in state.get("exit", [])], "final": state.get("type") == "final"})
    machine = Machine(model=None, states=[{"name": s["name"], "on_enter": s["on_enter"], "on_exit": s["on_exit"]}
                                          for s in states],
                      initial=machine_json["initial"], send_event=True, auto_transitions=False,
                      ignore_invalid_triggers=False, before_state_change=[merge_data],
                      after_state_change=[log_transition])
    automatic = set()
    awaiting = set()
    for name, state in machine_json["states"].items():
        for event, listed in state.get("on", {}).items():
            for t in listed:
                if "target" not in t:
                    continue
                conditions = [guard(t["guard"], t.get("meta", {}))] if "guard" in t else []
                machine.add_transition(event, name, t["target"], conditions=conditions,
                                       before=[action(a) for a in t.get("actions", [])])
        for t in state.get("always", []):
            conditions = [guard(t["guard"], t.get("meta", {}))] if "guard" in t else []
            machine.add_transition("auto", name, t["target"], conditions=conditions,
                                   before=[action(a) for a in t.get("actions", [])])
            automatic.add(name)
        if "awaits_approval" in state.get("tags", []):
            awaiting.add(name)
    finals = {s["name"] for s in states if s["final"]}
    return machine, automatic, awaiting, finals


def main():
    parser = argparse.ArgumentParser(description="the Python transitions peer")
    for name in ("--machine", "--rules", "--events", "--log", "--states"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()

    with open(args.machine, encoding="utf-8") as f:
        machine_json = json.load(f)
    with open(args.rules, encoding="utf-8") as f:
        peer_rules = json.load(f)
    log = Log(args.log)
    machine, automatic, awaiting, finals = build(machine_json, peer_rules, log)
    initial = machine_json["initial"]
    defaults = peer_rules["defaults"]
    approval_role = peer_rules["approval_role"]

    events = []  # decoded before the clock starts
    with open(args.events, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            e = json.loads(line)
            events.append((e["ticket"], e["event"], e.get("data"), tuple((e.get("actor") or {}).get("roles", ()))))

    tickets = {}
    start = time.perf_counter()
    for ticket_id, event, data, roles in events:
        before = log.count
        if event == "create":
            fields = dict(defaults)
            fields.update(data or {})
            ticket = Ticket(ticket_id, fields)
            tickets[ticket_id] = ticket
            log.line(ticket_id, "-", initial, "create")
            machine.add_model(ticket)
            logged_as = "create"
        else:
            ticket = tickets.get(ticket_id)
            if ticket is None:
                fail("%s %s: unknown ticket" % (ticket_id, event))
            logged_as = event
            if event in ("approve", "reject"):
                role = approval_role.get(ticket.fields.get("priority"))
                if ticket.state not in awaiting or role is None or role not in roles:
                    fail("%s %s: not a deciding vote in %s" % (ticket_id, event, ticket.state))
                logged_as = "approved" if event == "approve" else "rejected"
                ticket.trigger(logged_as)
            else:
                try:
                    taken = ticket.trigger(event, data=data, roles=roles)
                except MachineError as error:
                    fail("%s %s: %s" % (ticket_id, event, error))
                if not taken:
                    fail("%s %s: no transition taken in %s" % (ticket_id, event, ticket.state))
        while ticket.state in automatic and ticket.trigger("auto", logged_as=logged_as):
            pass
        if log.count == before:
            fail("%s %s: no transition taken in %s" % (ticket_id, event, ticket.state))
        if ticket.state in awaiting and approval_role.get(ticket.fields.get("priority")) is None:
            ticket.trigger("approved")
        if ticket.state in finals:
            machine.remove_model(ticket)
    log.file.close()
    seconds = time.perf_counter() - start

    with open(args.states, "w", encoding="utf-8") as f:
        f.write("".join(sorted("%s %s\n" % (t.id, t.state) for t in tickets.values())))
    print("PEER|transitions %s|%d|%d|%.6f" % (transitions.__version__, len(events), log.count, seconds))


if __name__ == "__main__":
    main()
