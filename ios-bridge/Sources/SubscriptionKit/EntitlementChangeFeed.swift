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
/// (which Realtime applies per subscriber) and is in the `supabase_realtime` publication
/// (supabase/migrations/20261125140000_realtime_subscription_changes.sql).
///
/// On a change it also refreshes the session: every access token carries an `entitlements` claim
/// (the custom access token hook: the row when the token was issued) that other backends check
/// offline, so a new token makes the claim follow within seconds instead of at the token's expiry.
/// A burst of changes (one store event can touch several rows) is one refresh.
public struct RealtimeEntitlementChangeFeed: EntitlementChangeFeed {
  /// How long a burst of changes is awaited before the session is refreshed once.
  static let sessionRefreshDelayNanoseconds: UInt64 = 1_000_000_000

  private let client: SupabaseClient

  public init(client: SupabaseClient) {
    self.client = client
  }

  public func changes(for userID: UUID) -> AsyncStream<Void> {
    let client = client
    let id = userID.uuidString.lowercased()
    return AsyncStream { continuation in
      // A topic of its own for every stream: client.channel(_:) returns the existing channel for a
      // topic, so a stream opened for the same person while the previous one's channel is still
      // being removed (a quick sign-out and in) would get that channel, then lose it to the removal.
      let channel = client.channel("entitlement-\(id)-\(UUID().uuidString.lowercased())")
      let actions = channel.postgresChange(
        AnyAction.self, schema: "billing", table: "store_subscriptions", filter: .eq("user_id", value: id))
      let task = Task {
        do {
          try await channel.subscribeWithError()
        } catch {
          continuation.finish()
          return
        }
        var sessionRefresh: Task<Void, Never>?
        for await _ in actions {
          continuation.yield()
          sessionRefresh?.cancel()
          sessionRefresh = Task {
            try? await Task.sleep(nanoseconds: RealtimeEntitlementChangeFeed.sessionRefreshDelayNanoseconds)
            guard !Task.isCancelled else { return }
            // Offline or Auth unreachable: the session still refreshes itself before it expires.
            _ = try? await client.auth.refreshSession()
          }
        }
        sessionRefresh?.cancel()
        continuation.finish()
      }
      continuation.onTermination = { _ in
        task.cancel()
        Task { await client.removeChannel(channel) }
      }
    }
  }
}
