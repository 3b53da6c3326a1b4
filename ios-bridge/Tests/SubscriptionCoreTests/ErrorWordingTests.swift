import XCTest

@testable import SubscriptionCore

/// What people are told for the errors that used to fall through to a generic message, or were
/// worded as something else.
final class ErrorWordingTests: XCTestCase {
  /// `StoreKitError.notEntitled` means the app lacks an entitlement: nothing the person can change
  /// in Screen Time; `Product.PurchaseError.purchaseNotAllowed` is the device restriction.
  func testNotEntitledIsOurProblemNotAScreenTimeRestriction() throws {
    let notEntitled = try XCTUnwrap(UserFacingError.message(for: .purchase(.notEntitled)))
    XCTAssertFalse(notEntitled.message.contains("Screen Time"), notEntitled.message)
    XCTAssertFalse(notEntitled.title.localizedCaseInsensitiveContains("turned off"), notEntitled.title)
    XCTAssertEqual(notEntitled.action, .contactSupport)
    let notAllowed = try XCTUnwrap(UserFacingError.message(for: .purchase(.notAllowed)))
    XCTAssertTrue(notAllowed.message.contains("Screen Time"))
    XCTAssertNotEqual(notEntitled, notAllowed)
  }

  func testEveryPurchaseFailureHasItsOwnWords() {
    let messages = PurchaseFailure.allCases.compactMap { UserFacingError.message(for: .purchase($0)) }
    XCTAssertEqual(messages.count, PurchaseFailure.allCases.count)
    XCTAssertEqual(Set(messages.map(\.title)).count, PurchaseFailure.allCases.count, "two failures share a title")
  }

  /// supabase-swift's `PostgrestError` (the REST API) carries PostgREST's code, not the status.
  func testRESTErrorsAreWordedByWhatHappened() throws {
    let expired = PostgrestErrorMapping.error(code: "PGRST303", message: "JWT expired")
    XCTAssertEqual(expired, .backend(status: 401, code: .unauthorized, message: "JWT expired"))
    XCTAssertEqual(UserFacingError.message(for: expired)?.action, .signIn)
    XCTAssertEqual(PostgrestErrorMapping.error(code: "PGRST301", message: "").backendStatus, 401)

    for code in ["PGRST000", "PGRST001", "PGRST002", "PGRST003", "08006", "53300", "57014"] {
      let outage = PostgrestErrorMapping.error(code: code, message: "")
      XCTAssertGreaterThanOrEqual(outage.backendStatus ?? 0, 500, code)
      XCTAssertEqual(UserFacingError.message(for: outage)?.action, .retry, code)
    }
    XCTAssertEqual(PostgrestErrorMapping.status(forCode: "PGRST003"), 504)
    XCTAssertEqual(PostgrestErrorMapping.status(forCode: "53400"), 500)

    let refused = PostgrestErrorMapping.error(code: "42501", message: "permission denied for view subscriptions")
    XCTAssertEqual(refused.backendStatus, 403)
    XCTAssertEqual(UserFacingError.message(for: refused)?.action, .contactSupport)
    XCTAssertEqual(PostgrestErrorMapping.error(code: nil, message: "").backendStatus, 400)
    XCTAssertNotEqual(UserFacingError.message(for: expired), UserFacingError.message(for: .unexpected("x")))
  }

  /// supabase-swift's `HTTPError`: a non-PostgREST body (a gateway's page) keeps its status.
  func testHTTPErrorsWithoutAnEnvelopeKeepTheirMeaning() {
    let html = Data("<html>Unauthorized</html>".utf8)
    XCTAssertEqual(UserFacingError.message(for: BackendErrorMapping.error(status: 401, body: html))?.action, .signIn)
    XCTAssertEqual(UserFacingError.message(for: BackendErrorMapping.error(status: 503, body: Data()))?.action, .retry)
    XCTAssertEqual(BackendErrorMapping.error(status: 404, body: Data()), .backend(status: 404, code: .unrecognized, message: "HTTP 404"))
  }

  func testCoreErrorsAreKnownWithoutAnSDK() {
    XCTAssertEqual(BridgeError.known(CancellationError()), .cancelled)
    XCTAssertEqual(BridgeError.known(RequestAlreadyInProgress()), .cancelled)
    XCTAssertEqual(BridgeError.known(BridgeError.network), .network)
    XCTAssertNil(BridgeError.known(NSError(domain: "SKErrorDomain", code: 2)))
  }
}

extension BridgeError {
  fileprivate var backendStatus: Int? {
    if case let .backend(status, _, _) = self { return status }
    return nil
  }
}
