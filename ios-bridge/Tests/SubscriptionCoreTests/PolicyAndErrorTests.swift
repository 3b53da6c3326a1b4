import XCTest

@testable import SubscriptionCore

final class FinishPolicyTests: XCTestCase {
  private let accepted = AppStoreSyncResponse(
    outcome: .linked, environment: .production, originalTransactionId: "2000000000000001", subscription: nil)

  func testFinishesOnlyWhatTheBackendStored() {
    XCTAssertEqual(FinishPolicy.disposition(for: .accepted(accepted)), .finish)
    XCTAssertEqual(FinishPolicy.disposition(for: .rejected(.ownedByAnotherAccount(originalTransactionId: "1"))), .finish)
    XCTAssertEqual(FinishPolicy.disposition(for: .unreachable), .keepForRetry)
    for code in BackendErrorCode.allCases where code != .ownedByAnotherAccount {
      for status in [400, 401, 403, 500, 503] {
        XCTAssertEqual(
          FinishPolicy.disposition(for: .rejected(.backend(status: status, code: code, message: ""))), .keepForRetry,
          "\(status) \(code)")
      }
    }
  }

  func testPurchaseStateAfterSync() {
    XCTAssertEqual(PurchaseState.afterSync(.accepted(accepted)), .purchased)
    XCTAssertEqual(PurchaseState.afterSync(.unreachable), .awaitingConfirmation)
    XCTAssertEqual(
      PurchaseState.afterSync(.rejected(.backend(status: 503, code: .databaseUnavailable, message: ""))), .awaitingConfirmation)
    XCTAssertEqual(
      PurchaseState.afterSync(.rejected(.backend(status: 401, code: .unauthorized, message: ""))), .awaitingConfirmation)
    guard case let .failed(message) = PurchaseState.afterSync(.rejected(.ownedByAnotherAccount(originalTransactionId: "1"))) else {
      return XCTFail()
    }
    XCTAssertEqual(message.action, .switchAccount)
  }
}

final class ErrorMappingTests: XCTestCase {
  func testNonEnvelopeBodiesKeepTheirStatus() {
    XCTAssertEqual(
      BackendErrorMapping.error(status: 502, body: Data("<html>Bad gateway</html>".utf8)),
      .backend(status: 502, code: .internalError, message: "HTTP 502"))
    XCTAssertEqual(
      BackendErrorMapping.error(status: 418, body: Data()), .backend(status: 418, code: .unrecognized, message: "HTTP 418"))
  }

  func testUnknownCodesFromANewerBackendStillMap() {
    let body = Data(#"{"error":{"code":"brand_new","message":"New"}}"#.utf8)
    XCTAssertEqual(BackendErrorMapping.error(status: 400, body: body), .backend(status: 400, code: .unrecognized, message: "New"))
  }

  func testEveryErrorHasWordsExceptCancellation() {
    XCTAssertNil(UserFacingError.message(for: .cancelled))
    var errors: [BridgeError] = [
      .network, .notSignedIn, .ownedByAnotherAccount(originalTransactionId: "1"), .unexpected("x"),
      .auth(code: "something_new", message: ""),
    ]
    errors += BackendErrorCode.allCases.map { .backend(status: 400, code: $0, message: "") }
    errors += PurchaseFailure.allCases.map { .purchase($0) }
    for error in errors {
      let message = UserFacingError.message(for: error)
      XCTAssertFalse(message?.title.isEmpty ?? true, "\(error)")
      XCTAssertFalse(message?.message.isEmpty ?? true, "\(error)")
    }
  }

  func testAuthCodesPointToTheRightAction() {
    XCTAssertEqual(UserFacingError.message(for: .auth(code: "user_already_exists", message: ""))?.action, .signIn)
    XCTAssertEqual(UserFacingError.message(for: .auth(code: "session_expired", message: ""))?.action, .signIn)
    XCTAssertEqual(UserFacingError.message(for: .auth(code: "invalid_credentials", message: ""))?.title, "Wrong email or password")
    XCTAssertEqual(UserFacingError.message(for: .backend(status: 503, code: .databaseUnavailable, message: ""))?.action, .retry)
    XCTAssertEqual(UserFacingError.message(for: .backend(status: 400, code: .wrongApp, message: ""))?.action, .contactSupport)
  }
}

final class EntitlementRuleTests: XCTestCase {
  private let now = Fixture.now

  func testAccessFollowsTheServerUntilTheReportedEnd() {
    XCTAssertTrue(EntitlementRule.hasAccess(makeRow(periodEndsIn: 60), at: now))
    XCTAssertFalse(EntitlementRule.hasAccess(makeRow(periodEndsIn: -1), at: now))
    XCTAssertFalse(EntitlementRule.hasAccess(makeRow(isActive: false, periodEndsIn: 86_400), at: now))
    let grace = makeRow(status: .inGracePeriod, periodEndsIn: -86_400, graceEndsIn: 3600)
    XCTAssertTrue(EntitlementRule.hasAccess(grace, at: now))
    XCTAssertFalse(EntitlementRule.hasAccess(grace, at: now.addingTimeInterval(3601)))
    XCTAssertFalse(EntitlementState.loaded(nil).hasAccess(at: now))
    XCTAssertFalse(EntitlementState.unknown.hasAccess(at: now))
  }

  func testRefreshesAtTheNextBoundary() {
    let grace = makeRow(status: .inGracePeriod, periodEndsIn: 7200, graceEndsIn: 3600)
    XCTAssertEqual(EntitlementRule.nextRefresh(after: grace, now: now), now.addingTimeInterval(3605))
    XCTAssertNil(EntitlementRule.nextRefresh(after: makeRow(periodEndsIn: -10), now: now))
    XCTAssertNil(EntitlementRule.nextRefresh(after: nil, now: now))
  }
}
