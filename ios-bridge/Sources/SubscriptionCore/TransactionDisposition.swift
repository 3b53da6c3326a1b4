import Foundation

/// What became of one StoreKit transaction sent to `app-store-sync`.
public enum SyncResult: Equatable, Sendable {
  /// 2xx: the server verified, stored and linked it.
  case accepted(AppStoreSyncResponse)
  /// The server answered with an error.
  case rejected(BridgeError)
  /// No answer (offline, timeout, DNS…).
  case unreachable
}

public enum TransactionDisposition: Equatable, Sendable {
  case finish
  case keepForRetry
}

/// When to call `Transaction.finish()`.
///
/// Rule: finish exactly when the backend has durably recorded the transaction. StoreKit redelivers
/// unfinished transactions through `Transaction.updates`/`Transaction.unfinished` on every launch,
/// which is the app's retry queue: a purchase is never lost because the network or the backend was
/// down, and nothing is finished that the backend has not seen.
///
/// The one refusal that is finished is 409 `owned_by_another_account`: the server stored the
/// transaction's state before refusing the link, and asking again cannot change the answer (the
/// server's transfer policy decides, not time). Leaving it unfinished would show the same error at
/// every launch. The app instead tells the person once, plainly, to sign in with the account that
/// bought the subscription; when they do, the sign-in sync of `Transaction.currentEntitlements`
/// links it (`already_owned`). Other refusals (bad signature, wrong app or environment, unknown
/// product, sandbox refused) mean the backend is misconfigured or the data is not Apple's: those
/// stay unfinished so a fixed backend picks them up, and Apple's server notifications, which carry
/// the same purchase and the buyer's appAccountToken, reach the backend independently.
public enum FinishPolicy {
  public static func disposition(for result: SyncResult) -> TransactionDisposition {
    switch result {
    case .accepted:
      return .finish
    case .rejected(.ownedByAnotherAccount):
      return .finish
    case .rejected, .unreachable:
      return .keepForRetry
    }
  }
}
