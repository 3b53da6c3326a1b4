import XCTest

@testable import SubscriptionCore

/// Ask to Buy: `purchase()` returns `.pending`; the approved transaction arrives later through
/// `Transaction.updates`, which SubscriptionService feeds to `afterTransactionUpdate`.
final class PurchaseFlowTests: XCTestCase {
  private let linked = AppStoreSyncResponse(
    outcome: .linked, environment: .sandbox, originalTransactionId: "2000000000000001", subscription: nil)

  func testAnAskToBuyApprovalArrivingThroughUpdatesCompletesThePurchase() {
    XCTAssertEqual(PurchaseState.awaitingApproval.afterTransactionUpdate(.synced(.accepted(linked))), .purchased)
  }

  func testAnApprovalTheBackendCannotConfirmYetWaitsThenCompletesOnRetry() {
    let waiting = PurchaseState.awaitingApproval.afterTransactionUpdate(.synced(.unreachable))
    XCTAssertEqual(waiting, .awaitingConfirmation)
    // The transaction stayed unfinished; the next retry (foreground, launch) is accepted.
    XCTAssertEqual(waiting.afterTransactionUpdate(.synced(.accepted(linked))), .purchased)
    XCTAssertEqual(
      PurchaseState.awaitingApproval.afterTransactionUpdate(
        .synced(.rejected(.backend(status: 503, code: .databaseUnavailable, message: "")))),
      .awaitingConfirmation)
  }

  func testAnApprovedPurchaseThatBelongsToAnotherAccountSaysSo() {
    let state = PurchaseState.awaitingApproval.afterTransactionUpdate(
      .synced(.rejected(.ownedByAnotherAccount(originalTransactionId: "1"))))
    guard case let .failed(message) = state else { return XCTFail("\(state)") }
    XCTAssertEqual(message.action, .switchAccount)
  }

  func testAnApprovalInXcodesLocalTestingEndsAsLocalTesting() {
    XCTAssertEqual(PurchaseState.awaitingApproval.afterTransactionUpdate(.completedInLocalTesting), .completedInLocalTesting)
  }

  /// Renewals, refunds and purchases on other devices also arrive through the updates: they never
  /// change what the paywall shows about a purchase the person is not waiting for.
  func testOtherTransactionsLeaveThePurchaseStateAlone() {
    let failed = PurchaseState.failed(UserFacingMessage(title: "t", message: "m", action: .retry))
    for state in [PurchaseState.idle, .purchasing, .purchased, .completedInLocalTesting, failed] {
      XCTAssertEqual(state.afterTransactionUpdate(.synced(.accepted(linked))), state, "\(state)")
      XCTAssertEqual(state.afterTransactionUpdate(.synced(.unreachable)), state, "\(state)")
    }
    XCTAssertEqual(
      PurchaseState.awaitingApproval.afterTransactionUpdate(.synced(.accepted(linked)), isRevocation: true), .awaitingApproval,
      "a refund is not an approval")
    XCTAssertEqual(PurchaseState.awaitingApproval.afterTransactionUpdate(.notSent), .awaitingApproval)
  }
}
