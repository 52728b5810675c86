"""Writes the event stream that docket, XState and Python `transitions` all run.

    make_stream.py --tickets N --seed S --out FILE

One JSON line per event in docket's own event format (engine/codec/event_reader.h),
so `docket run rules/after_sales.docket --events FILE` reads it as it is. The
peers read the same lines; see docs/performance.md (Peers) for how each side
understands them and for what the three compare.

Every ticket goes through a whole lifecycle of rules/after_sales.docket, on a
path chosen by the seed: the mood (angry customers take the other automatic
transition out of `received`), the category and priority, a proposal sent
back by legal or turned down by the approver, progress updates, an obstacle
with an alternative or the parts arriving, a customer not satisfied, and one
of the three ways into `closed` (good survey, poor survey and the
supervisor's improvement plan, survey declined). Tickets are interleaved: a
pool of open tickets, the next event taken from one of them at random.

Every event has the same time: the clock stands still, so no timer, SLA
threshold or approval limit comes due in docket (the peers have none of
them). Same arguments, same bytes: only random.Random(seed) decides.
"""

import argparse
import json
import random

AT = "2026-11-23T09:00:00+08:00"  # a Monday, inside office hours

# classify priority by impact x urgency (rules/after_sales.docket)
PRIORITY = {
    ("core", "high"): "P0", ("core", "medium"): "P0", ("core", "low"): "P0",
    ("function", "high"): "P0", ("function", "medium"): "P1", ("function", "low"): "P1",
    ("minor", "high"): "P1", ("minor", "medium"): "P2", ("minor", "low"): "P2",
}
# The role that owns each problem type once routed, and who holds it.
OWNER = {
    "fault": ("liu", "engineer"),
    "service_error": ("zhou", "supervisor"),
    "inquiry": ("chen", "product_manager"),
    "rights_claim": ("wu", "specialist"),
}
REMEDIES = {
    "fault": ["repair", "replacement", "compensation", "extended_warranty"],
    "service_error": ["apology_coupon", "free_upgrade", "compensation"],
    "inquiry": ["answer"],
    "rights_claim": ["legal_settlement", "compensation"],
}
# The chain's only level: P0 head_signoff (dept_head), P1 supervisor_approval
# (supervisor); P2 needs none. Never the proposer (four-eyes).
APPROVER = {"P0": ("sun", "dept_head"), "P1": ("ma", "supervisor")}
INTAKE = ("zhang", "intake_specialist")
COUNSEL = ("lin", "counsel")
COMPLAINT_SUPERVISOR = ("gao", "complaint_supervisor")


def lifecycle(rng, ticket):
    """The events of one ticket, in order."""
    events = []

    def add(event, actor, data=None):
        line = {"at": AT, "ticket": ticket, "event": event, "actor": {"id": actor[0], "roles": [actor[1]]}}
        if data:
            line["data"] = data
        events.append(line)

    number = ticket.split("-")[1]
    order_amount = rng.randrange(100, 5000)
    add("create", INTAKE, {
        "customer": "C-" + number, "contact": "138-0000-" + number[-4:],
        "channel": rng.choice(["phone", "web_chat", "app_chat", "wechat", "email", "social"]),
        "purchase_date": "2026-11-01T10:00:00+08:00", "problem": "problem of " + ticket,
        "expected_resolution": "2026-11-30T18:00:00+08:00",
        "mood": rng.choice(["calm", "unhappy", "angry"]), "order_amount": order_amount})
    add("registered", INTAKE, {"problem_confirmed": True})
    problem_type = rng.choice(list(OWNER))
    impact = rng.choice(["core", "function", "minor"])
    urgency = rng.choice(["high", "medium", "low"])
    priority = PRIORITY[(impact, urgency)]
    add("classified", INTAKE, {"problem_type": problem_type, "impact": impact, "urgency": urgency})
    owner = OWNER[problem_type]
    add("accepted", owner)

    sent_back = False  # at most one proposal sent back (by legal or the approver)
    while True:
        remedy = rng.choice(REMEDIES[problem_type])
        data = {"remedy": remedy}
        if remedy == "compensation":  # within the 30% cap of service errors, for all
            data["compensation"] = order_amount * rng.randrange(5, 31) // 100
        add("proposed", owner, data)
        if problem_type == "rights_claim":
            if not sent_back and rng.random() < 0.2:
                sent_back = True
                add("revise", COUNSEL)
                continue
            add("compliant", COUNSEL)
        if priority == "P2":
            break  # no approval: docket decides `approved` on entering `approving`
        if not sent_back and rng.random() < 0.15:
            sent_back = True
            add("reject", APPROVER[priority])
            continue
        add("approve", APPROVER[priority])
        break

    for _ in range(rng.randrange(0, 3)):
        add("stage_changed", owner)
    if rng.random() < 0.2:
        add("obstacle_found", owner)
        if rng.random() < 0.5:
            add("alternative_chosen", owner, {"alternative": rng.choice(["loaner", "delay_compensation", "wait"])})
        else:
            add("parts_arrived", owner)
    add("resolved", owner)
    if rng.random() < 0.1:
        add("not_solved", owner)
        add("resolved", owner)
    add("confirmed", owner, {"confirmation": rng.choice(["signature", "written"])})

    ending = rng.random()
    if ending < 0.2:
        add("survey_declined", INTAKE)
    else:
        overall = rng.randrange(4, 6) if ending < 0.8 else rng.randrange(1, 4)
        add("survey", INTAKE, {"response_speed": rng.randrange(1, 6), "resolution_effect": rng.randrange(1, 6),
                               "attitude": rng.randrange(1, 6), "overall": overall})
        if overall <= 3:
            add("improvement_planned", COMPLAINT_SUPERVISOR, {"improvement_plan": "call back within 2 h"})
    return events


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--open", type=int, default=64, help="tickets open at once (interleaving)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    started = 0
    pool = []  # [events, next index]
    lines = 0
    with open(args.out, "w", encoding="utf-8") as out:
        while started < args.tickets or pool:
            while started < args.tickets and len(pool) < args.open:
                started += 1
                pool.append([lifecycle(rng, "AS-%06d" % started), 0])
            slot = rng.randrange(len(pool))
            events, index = pool[slot]
            out.write(json.dumps(events[index], ensure_ascii=False, separators=(",", ":")) + "\n")
            lines += 1
            if index + 1 == len(events):
                pool[slot] = pool[-1]
                pool.pop()
            else:
                pool[slot][1] = index + 1
    print("%d tickets, %d events" % (args.tickets, lines))


if __name__ == "__main__":
    main()
