import Foundation

/// What the paywall shows while and after buying.
public enum PurchaseState: Equatable, Sendable {
  case idle
  case purchasing
  /// Ask to Buy (or another approval): the transaction arrives later through `Transaction.updates`.
  case awaitingApproval
  /// Paid, and the server has it: the row is unlocked.
  case purchased
  /// Paid, but the server has not confirmed yet; the transaction stays unfinished and is retried.
  case awaitingConfirmation
  /// Bought in Xcode's local StoreKit environment, which the backend cannot verify by design.
  case completedInLocalTesting
  case failed(UserFacingMessage)

  /// The state after StoreKit returned a successful purchase and the app sent it to the server.
  public static func afterSync(_ result: SyncResult) -> PurchaseState {
    switch result {
    case .accepted:
      return .purchased
    case .unreachable:
      return .awaitingConfirmation
    case let .rejected(error):
      if case .backend(let status, _, _) = error, status >= 500 || status == 401 {
        return .awaitingConfirmation
      }
      return UserFacingError.message(for: error).map(PurchaseState.failed) ?? .idle
    }
  }
}

/// What became of a transaction StoreKit delivered outside `purchase()`: through
/// `Transaction.updates` (an Ask to Buy approval, a renewal, a purchase on another device, a
/// refund) or `Transaction.unfinished` (a retry).
public enum TransactionOutcome: Equatable, Sendable {
  /// Sent to `app-store-sync`.
  case synced(SyncResult)
  /// Xcode's local StoreKit testing: finished without sending (the backend refuses its signature by design).
  case completedInLocalTesting
  /// Not sent: another app's product, or nobody is signed in (sign-in sends it).
  case notSent
}

extension PurchaseState {
  /// The state after a transaction arrived outside `purchase()`.
  ///
  /// Only a purchase the paywall is waiting for moves on: after Ask to Buy (`.awaitingApproval`:
  /// StoreKit delivers the approved transaction through `Transaction.updates`, never through the
  /// `purchase()` call, which returned `.pending`), or a purchase the backend had not confirmed yet
  /// (`.awaitingConfirmation`, retried from `Transaction.unfinished`). A renewal, a refund or a
  /// purchase on another device changes nothing the paywall shows about a purchase; a declined
  /// request never arrives at all, so `.awaitingApproval` stays dismissible.
  public func afterTransactionUpdate(_ outcome: TransactionOutcome, isRevocation: Bool = false) -> PurchaseState {
    guard self == .awaitingApproval || self == .awaitingConfirmation, !isRevocation else { return self }
    switch outcome {
    case let .synced(result):
      return PurchaseState.afterSync(result)
    case .completedInLocalTesting:
      return .completedInLocalTesting
    case .notSent:
      return self
    }
  }
}
