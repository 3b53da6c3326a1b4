import Foundation
import Supabase
import SubscriptionCore

/// The two calls the app makes to the billing backend. A protocol so the services can be driven by
/// a fake in previews and UI tests.
public protocol SubscriptionBackend: Sendable {
  /// The caller's row of `public.subscriptions`, or nil when they never subscribed.
  func currentSubscription(for userID: UUID) async throws -> SubscriptionRow?
  /// Sends a StoreKit 2 transaction to `app-store-sync`. Never throws: the result says what to do.
  func syncTransaction(jwsRepresentation: String) async -> SyncResult
}

public struct SupabaseSubscriptionBackend: SubscriptionBackend {
  private let client: SupabaseClient

  public init(client: SupabaseClient) {
    self.client = client
  }

  public func currentSubscription(for userID: UUID) async throws -> SubscriptionRow? {
    // RLS already limits the view to the caller; the filter makes the intent explicit.
    let rows: [SubscriptionRow] = try await client
      .from("subscriptions")
      .select()
      .eq("user_id", value: userID.uuidString.lowercased())
      .limit(1)
      .execute()
      .value
    return rows.first
  }

  public func syncTransaction(jwsRepresentation: String) async -> SyncResult {
    do {
      // A fresh access token: the function verifies it, and an expired one would cost a retry.
      _ = try await client.auth.session
      let response: AppStoreSyncResponse = try await client.functions.invoke(
        "app-store-sync",
        options: FunctionInvokeOptions(body: AppStoreSyncRequest(signedTransaction: jwsRepresentation))
      ) { data, _ in
        try JSONDecoder().decode(AppStoreSyncResponse.self, from: data)
      }
      return .accepted(response)
    } catch {
      switch BridgeErrorMapper.map(error) {
      case .network, .cancelled:
        return .unreachable
      case let mapped:
        return .rejected(mapped)
      }
    }
  }
}
