#include "engine/store/recovery.h"

#include <utility>

#include "engine/codec/ticket_codec.h"

namespace docket::engine {

Result<std::map<std::string, std::shared_ptr<const Workflow>, std::less<>>> compile_versions(
    Store& store, const CompileVersion& compile) {
  using R = Result<std::map<std::string, std::shared_ptr<const Workflow>, std::less<>>>;
  Result<std::vector<StoredVersion>> versions = store.versions();
  if (!versions) return R::failure(versions.error());
  std::map<std::string, std::shared_ptr<const Workflow>, std::less<>> compiled;
  for (const StoredVersion& version : versions.value()) {
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

}  // namespace docket::engine
