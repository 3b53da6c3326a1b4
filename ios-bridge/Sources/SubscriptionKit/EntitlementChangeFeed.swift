import Foundation
import Supabase

/// Tells EntitlementService that the caller's subscription may have changed, so it re-reads the
/// view. Only a signal: `is_active` is computed when the view is read, so the payload of a change
/// is never trusted as the state.
public protocol EntitlementChangeFeed: Sendable {
  func changes(for userID: UUID) -> AsyncStream<Void>
}

/// Realtime Postgres Changes on `billing.store_subscriptions`, filtered to the caller's rows.
///
/// The `public.subscriptions` view itself cannot be subscribed to: logical replication publishes
/// tables, not views. The table underneath is readable by its owner through RLS and column grants
/// (which Realtime applies per subscriber), but it is not in the `supabase_realtime` publication
/// today, so until the backend adds it (see docs/ios.md, "Realtime") this feed delivers nothing and
/// the app relies on the refreshes at launch, on foreground, after a purchase and at period end.
public struct RealtimeEntitlementChangeFeed: EntitlementChangeFeed {
  private let client: SupabaseClient

  public init(client: SupabaseClient) {
    self.client = client
  }

  public func changes(for userID: UUID) -> AsyncStream<Void> {
    let client = client
    let id = userID.uuidString.lowercased()
    return AsyncStream { continuation in
      let channel = client.channel("entitlement-\(id)")
      let actions = channel.postgresChange(
        AnyAction.self, schema: "billing", table: "store_subscriptions", filter: .eq("user_id", value: id))
      let task = Task {
        do {
          try await channel.subscribeWithError()
        } catch {
          continuation.finish()
          return
        }
        for await _ in actions {
          continuation.yield()
        }
        continuation.finish()
      }
      continuation.onTermination = { _ in
        task.cancel()
        Task { await client.removeChannel(channel) }
      }
    }
  }
}
