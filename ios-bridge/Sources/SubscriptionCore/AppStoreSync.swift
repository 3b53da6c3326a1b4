import Foundation

/// Body of `POST /functions/v1/app-store-sync`.
public struct AppStoreSyncRequest: Codable, Equatable, Sendable {
  /// A StoreKit 2 `VerificationResult<Transaction>.jwsRepresentation`, verified again by the server.
  public let signedTransaction: String

  public init(signedTransaction: String) {
    self.signedTransaction = signedTransaction
  }

  enum CodingKeys: String, CodingKey {
    case signedTransaction
  }
}

/// 200 answer of `app-store-sync`: what the server did with the transaction and the caller's row,
/// so the app unlocks without a second round trip.
public struct AppStoreSyncResponse: Codable, Equatable, Sendable {
  public let outcome: SyncOutcome
  public let environment: AppStoreEnvironment
  public let originalTransactionId: String
  /// The caller's `subscriptions` row after the sync (nil only if they have none at all).
  public let subscription: SubscriptionRow?

  public init(
    outcome: SyncOutcome, environment: AppStoreEnvironment, originalTransactionId: String,
    subscription: SubscriptionRow?
  ) {
    self.outcome = outcome
    self.environment = environment
    self.originalTransactionId = originalTransactionId
    self.subscription = subscription
  }

  enum CodingKeys: String, CodingKey {
    case outcome
    case environment
    case originalTransactionId
    case subscription
  }
}

public enum SyncOutcome: String, LenientStringEnum, Sendable, CaseIterable {
  /// The purchase is now linked to the caller.
  case linked
  /// It already was.
  case alreadyOwned = "already_owned"
  /// It belonged to another account and the server's transfer policy moved it to the caller.
  case transferred
  case unrecognized
}

public enum AppStoreEnvironment: String, LenientStringEnum, Sendable, CaseIterable {
  case production = "Production"
  case sandbox = "Sandbox"
  case unrecognized
}
