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
