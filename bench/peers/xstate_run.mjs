// The XState peer of the comparison (scripts/bench, part g): the machine that
// `docket graph --format xstate` exports for rules/after_sales.docket, run by
// XState v5 (one actor per ticket) over the event stream of make_stream.py,
// one log line per transition, as bench_peers does with docket.
//
//   node xstate_run.mjs --prefix DIR --machine FILE --rules peer_rules.json \
//        --events FILE --log FILE --states FILE
//
// --prefix is the folder where `npm install --prefix DIR xstate@5` put
// node_modules (the build directory, never the sources); relative to the
// current directory when it is not absolute.
//
// What the export leaves to its consumer, supplied here:
// - Guards. Each guard of the export stands for a transition's `when`
//   condition and its `by` roles (meta.when, meta.by). The conditions
//   are hand-written below, keyed by their text: a guard whose text is not
//   among them stops the run. Roles: the actor must hold one of them.
// - Data. An event's data is what the guards read first (then the ticket's
//   fields); it is kept in the context when the transition is taken.
// - Actions. `classify category`, `classify priority` and `set F = V`
//   change the context (the guards and the approval read them); the others
//   (notify, escalate, assign, route, clocks, emit) do nothing.
// - Approvals. A state tagged `awaits_approval` waits for `approved` or
//   `rejected`. The stream's `approve` / `reject` votes become those events
//   when the voter holds the role that decides the ticket's priority
//   (peer_rules.json); a priority that needs no approval gets `approved` at
//   once, after the event that brought the ticket there.
// - Timers (`after`) are scheduled on a SimulatedClock that never moves: armed
//   and cancelled as the states are entered and left, never fired.
//
// The log line: `TICKET FROM TO EVENT`, FROM `-` when the ticket is created,
// EVENT `create` for the automatic transitions that follow creation. Lines
// are gathered in a string written 1 MiB at a time.
//
// Timed: every event sent, the log written and closed. Output on stdout:
//   PEER|xstate VERSION|events|transitions|seconds

import {closeSync, openSync, readFileSync, writeFileSync, writeSync} from 'node:fs';
import {createRequire} from 'node:module';
import {resolve} from 'node:path';

function fail(message) {
  process.stderr.write(`xstate_run: ${message}\n`);
  process.exit(1);
}

function options(argv) {
  const wanted = ['--prefix', '--machine', '--rules', '--events', '--log', '--states'];
  const out = {};
  for (let i = 2; i + 1 < argv.length; i += 2) {
    if (!wanted.includes(argv[i])) fail(`unknown option ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const name of wanted)
    if (!(name.slice(2) in out)) fail(`missing ${name}`);
  return out;
}

const args = options(process.argv);
// createRequire takes an absolute path or a file URL, never a relative path.
const require = createRequire(resolve(args.prefix, 'package.json'));
const {setup, createActor, assign, SimulatedClock} = require('xstate');
const xstateVersion = require('xstate/package.json').version;

// The conditions of rules/after_sales.docket's guards; `v(name)` is the
// event's value of a field, else the ticket's.
const CONDITIONS = {
  'mood == angry': (v) => v('mood') === 'angry',
  'mood != angry': (v) => v('mood') !== 'angry',
  problem_confirmed: (v) => v('problem_confirmed') === true,
  'category == product_fault and remedy in (repair, replacement, compensation, extended_warranty)': (v) =>
      v('category') === 'product_fault' &&
      ['repair', 'replacement', 'compensation', 'extended_warranty'].includes(v('remedy')),
  'category == service_error and remedy in (apology_coupon, free_upgrade, compensation)': (v) =>
      v('category') === 'service_error' && ['apology_coupon', 'free_upgrade', 'compensation'].includes(v('remedy')),
  'category == inquiry': (v) => v('category') === 'inquiry',
  'category == rights_claim': (v) => v('category') === 'rights_claim',
  'alternative == loaner': (v) => v('alternative') === 'loaner',
  'alternative == delay_compensation': (v) => v('alternative') === 'delay_compensation',
  'alternative == wait': (v) => v('alternative') === 'wait',
  'confirmation != none': (v) => v('confirmation') !== 'none',
  'overall >= 4': (v) => v('overall') >= 4,
  'overall <= 3': (v) => v('overall') <= 3,
  'improvement_plan != ""': (v) => v('improvement_plan') !== undefined && v('improvement_plan') !== '',
};

function holdsOne(actorRoles, roles) {
  if (!actorRoles) return false;
  for (const role of roles)
    if (actorRoles.includes(role)) return true;
  return false;
}

const machineJson = JSON.parse(readFileSync(args.machine, 'utf8'));
const peerRules = JSON.parse(readFileSync(args.rules, 'utf8'));

// The log: one string, written whenever it passes 1 MiB.
const logFile = openSync(args.log, 'w');
let logText = '';
let transitions = 0;
function logLine(line) {
  logText += line;
  transitions += 1;
  if (logText.length >= 1 << 20) {
    writeSync(logFile, logText);
    logText = '';
  }
}

// Implementations of the export's names, collected while the definition is
// rewritten.
const guards = {};
const actions = {
  merge_data: assign({
    fields: ({context, event}) => (event.data ? {...context.fields, ...event.data} : context.fields),
  }),
  log: ({context, event}, params) =>
      logLine(`${context.id} ${params.from} ${params.to} ${event.type === 'xstate.init' ? 'create' : event.type}\n`),
};
const nothing = () => {};

function implementAction(name) {
  if (name in actions) return;
  if (name === 'classify category') {
    actions[name] = assign({
      fields: ({context}) => ({
        ...context.fields,
        category: peerRules.classify_category[context.fields.problem_type],
      }),
    });
  } else if (name === 'classify priority') {
    actions[name] = assign({
      fields: ({context}) => ({
        ...context.fields,
        priority: peerRules.classify_priority[context.fields.impact][context.fields.urgency],
      }),
    });
  } else if (/^set \w+ = \w+$/.test(name)) {
    const [, field, value] = name.match(/^set (\w+) = (\w+)$/);
    actions[name] = assign({fields: ({context}) => ({...context.fields, [field]: value})});
  } else {
    actions[name] = nothing;
  }
}

function implementGuard(name, meta) {
  const roles = meta.by ?? [];
  let condition = null;
  if (meta.when !== undefined) {
    condition = CONDITIONS[meta.when];
    if (!condition) fail(`guard ${name}: no implementation of the condition \`${meta.when}\``);
  }
  guards[name] = ({context, event}) => {
    const data = event.data;
    const v = (field) => (data && field in data ? data[field] : context.fields[field]);
    if (condition && !condition(v)) return false;
    return roles.length === 0 || holdsOne(event.roles, roles);
  };
}

// Rewrites one transition: data kept first (events only), the log line last.
function rewrite(from, transition, isEvent) {
  const out = {...transition};
  if (out.guard) implementGuard(out.guard, out.meta ?? {});
  const names = out.actions ?? [];
  names.forEach(implementAction);
  out.actions = [...(isEvent ? ['merge_data'] : []), ...names];
  if (out.target) out.actions.push({type: 'log', params: {from, to: out.target}});
  return out;
}

const awaitsApproval = new Set();
const states = {};
for (const [name, state] of Object.entries(machineJson.states)) {
  const out = {...state};
  (out.entry ?? []).forEach(implementAction);
  (out.exit ?? []).forEach(implementAction);
  if (out.on) {
    out.on = Object.fromEntries(
        Object.entries(out.on).map(([event, list]) => [event, list.map((t) => rewrite(name, t, true))]),
    );
  }
  if (out.always) out.always = out.always.map((t) => rewrite(name, t, false));
  if (out.after) {
    out.after = Object.fromEntries(
        Object.entries(out.after).map(([delay, list]) => [delay, list.map((t) => rewrite(name, t, false))]),
    );
  }
  if ((out.tags ?? []).includes('awaits_approval')) awaitsApproval.add(name);
  states[name] = out;
}
const machine = setup({actions, guards}).createMachine({
  ...machineJson,
  states,
  context: ({input}) => input,
});

// The stream, decoded before the clock starts.
const events = [];
for (const line of readFileSync(args.events, 'utf8').split('\n')) {
  if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
  const e = JSON.parse(line);
  events.push({ticket: e.ticket, type: e.event, data: e.data, roles: e.actor?.roles ?? []});
}

const clock = new SimulatedClock();
const actors = new Map();
const start = process.hrtime.bigint();
for (const e of events) {
  let actor;
  const before = transitions;
  if (e.type === 'create') {
    logLine(`${e.ticket} - ${machineJson.initial} create\n`);
    actor = createActor(machine, {
      input: {id: e.ticket, fields: {...peerRules.defaults, ...e.data}},
      clock,
    });
    actors.set(e.ticket, actor);
    actor.start();
  } else {
    actor = actors.get(e.ticket);
    if (!actor) fail(`${e.ticket} ${e.type}: unknown ticket`);
    if (e.type === 'approve' || e.type === 'reject') {
      const snapshot = actor.getSnapshot();
      const role = peerRules.approval_role[snapshot.context.fields.priority];
      if (!awaitsApproval.has(snapshot.value) || !role || !e.roles.includes(role)) {
        fail(`${e.ticket} ${e.type}: not a deciding vote in ${snapshot.value}`);
      }
      actor.send({type: e.type === 'approve' ? 'approved' : 'rejected'});
    } else {
      actor.send(e);
    }
  }
  if (transitions === before) fail(`${e.ticket} ${e.type}: no transition taken in ${actor.getSnapshot().value}`);
  const snapshot = actor.getSnapshot();
  if (awaitsApproval.has(snapshot.value) && peerRules.approval_role[snapshot.context.fields.priority] === null) {
    actor.send({type: 'approved'});
  }
}
writeSync(logFile, logText);
closeSync(logFile);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;

const finals = [...actors.entries()].map(([id, actor]) => `${id} ${actor.getSnapshot().value}\n`);
finals.sort();
writeFileSync(args.states, finals.join(''));
process.stdout.write(`PEER|xstate ${xstateVersion}|${events.length}|${transitions}|${seconds.toFixed(6)}\n`);
