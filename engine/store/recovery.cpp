#include "engine/store/recovery.h"

#include <utility>

#include "engine/codec/ticket_codec.h"

namespace docket::engine {

namespace {

// Stored version `version` compiled and checked against its id.
Result<std::shared_ptr<const Workflow>> compile_checked(const StoredVersion& version, const CompileVersion& compile) {
  using R = Result<std::shared_ptr<const Workflow>>;
  Result<std::shared_ptr<const Workflow>> workflow = compile(version);
  if (!workflow) {
    return R::failure("stored version " + version.id.substr(0, 12) + " of " + version.workflow +
                      " does not compile: " + workflow.error());
  }
  if (workflow.value()->version_id() != version.id) {
    return R::failure("stored version " + version.id.substr(0, 12) + " of " + version.workflow +
                      ": its stored sources compile to version " + workflow.value()->version_id().substr(0, 12) +
                      ": the sources in the store were altered");
  }
  return workflow;
}

// The compiled version `id`, compiling every stored version `versions` lacks when it lacks `id`.
Result<std::shared_ptr<const Workflow>> version_of(std::string_view id, Store& store, CompiledVersions& versions,
                                                   const CompileVersion& compile) {
  using R = Result<std::shared_ptr<const Workflow>>;
  if (auto known = versions.find(id); known != versions.end()) return R::success(known->second);
  Result<std::vector<StoredVersion>> stored = store.versions();
  if (!stored) return R::failure(stored.error());
  for (const StoredVersion& version : stored.value()) {
    if (versions.contains(version.id)) continue;
    Result<std::shared_ptr<const Workflow>> workflow = compile_checked(version, compile);
    if (!workflow) return workflow;
    versions.emplace(version.id, std::move(workflow).value());
  }
  if (auto known = versions.find(id); known != versions.end()) return R::success(known->second);
  return R::failure("version " + std::string(id.substr(0, 12)) + " is not in the store");
}

}  // namespace

Result<CompiledVersions> compile_versions(Store& store, const CompileVersion& compile) {
  using R = Result<CompiledVersions>;
  Result<std::vector<StoredVersion>> versions = store.versions();
  if (!versions) return R::failure(versions.error());
  CompiledVersions compiled;
  for (const StoredVersion& version : versions.value()) {
    Result<std::shared_ptr<const Workflow>> workflow = compile_checked(version, compile);
    if (!workflow) return R::failure(workflow.error());
    compiled.emplace(version.id, std::move(workflow).value());
  }
  return R::success(std::move(compiled));
}

Result<Recovered> recover(Engine& engine, Store& store, const CompileVersion& compile) {
  auto compiled = compile_versions(store, compile);
  if (!compiled) return Result<Recovered>::failure(compiled.error());
  Recovered recovered;
  recovered.versions = std::move(compiled).value();

  Result<std::vector<StoredTicket>> tickets = store.tickets();
  if (!tickets) return Result<Recovered>::failure(tickets.error());
  for (StoredTicket& stored : tickets.value()) {
    auto version = recovered.versions.find(stored.version);
    if (version == recovered.versions.end()) {
      return Result<Recovered>::failure("ticket `" + stored.id + "` is pinned to version " +
                                        stored.version.substr(0, 12) + ", which the store does not hold");
    }
    Result<Ticket> ticket = decode_ticket(stored.snapshot, version->second);
    if (!ticket) return Result<Recovered>::failure(ticket.error());
    Status restored = engine.restore(std::move(ticket).value(), std::move(stored.keys));
    if (!restored) return Result<Recovered>::failure(restored.error());
    ++recovered.tickets;
  }
  recovered.last_seq = store.last_seq();
  engine.resume(store.last_seq(), store.last_at());
  return Result<Recovered>::success(std::move(recovered));
}

Result<std::vector<std::shared_ptr<const Workflow>>> catch_up(Engine& engine, Store& store, const StoreChanges& changes,
                                                              CompiledVersions& versions,
                                                              const CompileVersion& compile) {
  using R = Result<std::vector<std::shared_ptr<const Workflow>>>;
  for (const StoredTicket& stored : changes.tickets) {
    Result<std::shared_ptr<const Workflow>> workflow = version_of(stored.version, store, versions, compile);
    if (!workflow) return R::failure("ticket `" + stored.id + "`: " + workflow.error());
    Result<Ticket> ticket = decode_ticket(stored.snapshot, workflow.value());
    if (!ticket) return R::failure(ticket.error());
    if (Status s = engine.refresh(std::move(ticket).value(), stored.keys); !s) return R::failure(s.error());
  }
  engine.resume(changes.last_seq, changes.last_at);
  std::vector<std::shared_ptr<const Workflow>> current;
  if (!changes.rules) return R::success(std::move(current));
  for (const std::string& id : *changes.rules) {
    Result<std::shared_ptr<const Workflow>> workflow = version_of(id, store, versions, compile);
    if (!workflow) return R::failure("the current rules: " + workflow.error());
    current.push_back(std::move(workflow).value());
  }
  // All or none: every version compiled before any is installed.
  for (const std::shared_ptr<const Workflow>& workflow : current) {
    if (Status s = engine.install(workflow); !s) return R::failure(s.error());
  }
  return R::success(std::move(current));
}

}  // namespace docket::engine
