import XCTest

@testable import SubscriptionCore

/// "Buy on the web": when the button shows, and the real answers of web-checkout-link (Fixtures).
final class WebCheckoutTests: XCTestCase {
  private let now = Fixture.now
  private let usOnly: Set<String> = ["USA"]

  private func paywall(_ entitlement: EntitlementState, signedIn: Bool = true, appleID: AppleIDSubscription = .none) -> PaywallDecision {
    Paywall.decide(PaywallInput(isSignedIn: signedIn, entitlement: entitlement, appleID: appleID, now: now))
  }

  func testShownOnTheUSStorefrontToSomeoneWhoCouldBuy() {
    XCTAssertEqual(
      WebCheckoutRule.decide(paywall: paywall(.loaded(nil)), storefront: "USA", allowedStorefronts: usOnly), .available(storefront: "USA"))
    let lapsed = paywall(.loaded(makeRow(status: .expired, isActive: false)))
    XCTAssertEqual(WebCheckoutRule.decide(paywall: lapsed, storefront: "usa", allowedStorefronts: usOnly), .available(storefront: "USA"))
    XCTAssertTrue(WebCheckoutRule.decide(paywall: lapsed, storefront: "USA", allowedStorefronts: usOnly).isAvailable)
  }

  func testNeverShownToSomeoneAlreadyEntitledInEitherStore() {
    for store in [BillingStore.appStore, .stripe] {
      let decision = paywall(.loaded(makeRow(store: store)))
      XCTAssertEqual(
        WebCheckoutRule.decide(paywall: decision, storefront: "USA", allowedStorefronts: usOnly), .hidden(.notOfferingPurchase), "\(store)")
    }
    // In grace: still entitled.
    let grace = paywall(.loaded(makeRow(status: .inGracePeriod, periodEndsIn: -86_400, graceEndsIn: 86_400)))
    XCTAssertEqual(WebCheckoutRule.decide(paywall: grace, storefront: "USA", allowedStorefronts: usOnly), .hidden(.notOfferingPurchase))
  }

  func testNeverShownWhenThePaywallSellsNothing() {
    let decisions: [PaywallDecision] = [
      paywall(.loaded(nil), signedIn: false),
      paywall(.signedOut),
      paywall(.unknown),
      paywall(.loaded(nil), appleID: .active(originalTransactionId: "1")),
      paywall(.loaded(nil), appleID: .activeOnAnotherAccount(originalTransactionId: "1")),
      paywall(.loaded(makeRow(store: .stripe, status: .pastDue, isActive: false))),
      paywall(.loaded(makeRow(store: .stripe, status: .incomplete, isActive: false))),
    ]
    XCTAssertEqual(
      decisions.map { WebCheckoutRule.decide(paywall: $0, storefront: "USA", allowedStorefronts: usOnly) },
      Array(repeating: .hidden(.notOfferingPurchase), count: decisions.count),
      "\(decisions)")
  }

  func testOnlyOnAllowedStorefronts() {
    let canBuy = paywall(.loaded(nil))
    XCTAssertEqual(
      WebCheckoutRule.decide(paywall: canBuy, storefront: "CAN", allowedStorefronts: usOnly), .hidden(.storefrontNotEligible("CAN")))
    XCTAssertEqual(WebCheckoutRule.decide(paywall: canBuy, storefront: nil, allowedStorefronts: usOnly), .hidden(.storefrontUnknown))
    XCTAssertEqual(WebCheckoutRule.decide(paywall: canBuy, storefront: " ", allowedStorefronts: usOnly), .hidden(.storefrontUnknown))
    XCTAssertEqual(WebCheckoutRule.decide(paywall: canBuy, storefront: "USA", allowedStorefronts: []), .hidden(.storefrontNotEligible("USA")))
  }

  func testTheBackendListWinsAndAnEmptyOneSwitchesItOff() {
    XCTAssertEqual(WebCheckoutRule.allowedStorefronts(server: nil, configured: ["usa"]), ["USA"])
    XCTAssertEqual(WebCheckoutRule.allowedStorefronts(server: ["USA", "can"], configured: ["USA"]), ["USA", "CAN"])
    XCTAssertEqual(WebCheckoutRule.allowedStorefronts(server: [], configured: ["USA"]), [])
    XCTAssertEqual(WebCheckoutRule.defaultStorefronts, ["USA"])
  }

  func testOnlyHTTPSLinksAreOpened() throws {
    XCTAssertTrue(WebCheckoutRule.isOpenable(try XCTUnwrap(URL(string: "https://app.certgames.com/continue#handoff=x"))))
    XCTAssertTrue(WebCheckoutRule.isOpenable(try XCTUnwrap(URL(string: "http://127.0.0.1:5173/continue#handoff=x"))))
    for text in ["http://app.certgames.com/continue", "javascript:alert(1)", "certgamesapp://auth-callback", "file:///etc/hosts"] {
      XCTAssertFalse(WebCheckoutRule.isOpenable(try XCTUnwrap(URL(string: text))), text)
    }
  }

  func testTheBackendAnswersDecode() throws {
    let offered = try Fixture.load("web-checkout-link.get-200").decode(WebCheckoutStorefronts.self)
    XCTAssertEqual(offered.storefronts, ["USA"])

    let link = try Fixture.load("web-checkout-link.post-200").decode(WebCheckoutLink.self)
    XCTAssertEqual(link.url.path, "/continue")
    XCTAssertNil(link.url.query, "the code travels in the fragment only")
    XCTAssertTrue(link.url.fragment?.hasPrefix("handoff=wcl_") ?? false, link.url.absoluteString)
    XCTAssertTrue(WebCheckoutRule.isOpenable(link.url))
    // Five minutes after it was made (fixture times are rounded to ten minutes).
    XCTAssertGreaterThan(link.expiresAt, now)
    XCTAssertLessThanOrEqual(link.expiresAt, now.addingTimeInterval(600))
    let again = try JSONDecoder().decode(WebCheckoutLink.self, from: JSONEncoder().encode(link))
    XCTAssertEqual(again.url, link.url)
    XCTAssertEqual(again.expiresAt.timeIntervalSince1970, link.expiresAt.timeIntervalSince1970, accuracy: 0.001)
  }

  func testTheBackendRefusalsMapToTheirCodes() throws {
    let expected: [(String, Int, BackendErrorCode)] = [
      ("web-checkout-link.post-401-unauthorized", 401, .unauthorized),
      ("web-checkout-link.post-400-invalid-request", 400, .invalidRequest),
      ("web-checkout-link.post-403-storefront-not-eligible", 403, .storefrontNotEligible),
      ("web-checkout-link.post-409-already-subscribed", 409, .alreadySubscribed),
      ("web-checkout-link.post-409-no-email-address", 409, .noEmailAddress),
      ("web-checkout-link.post-429-too-many-links", 429, .tooManyLinks),
    ]
    for (name, status, code) in expected {
      let fixture = try Fixture.load(name)
      XCTAssertEqual(fixture.status, status, name)
      guard case let .backend(mappedStatus, mappedCode, _) = BackendErrorMapping.error(status: fixture.status, body: fixture.body) else {
        return XCTFail(name)
      }
      XCTAssertEqual(mappedStatus, status, name)
      XCTAssertEqual(mappedCode, code, name)
    }
    let subscribed = try Fixture.load("web-checkout-link.post-409-already-subscribed").decode(BackendErrorEnvelope.self).error
    XCTAssertEqual(subscribed.store, .appStore)
    XCTAssertEqual(subscribed.manageWith, .appStore)
  }

  func testEveryFailureHasWordsOrNeedsNone() {
    let failures: [WebCheckoutError] = [
      .unavailable(.storefrontNotEligible("CAN")),
      .backend(.backend(status: 409, code: .alreadySubscribed, message: "")),
      .backend(.backend(status: 429, code: .tooManyLinks, message: "")),
      .backend(.network),
      .unexpectedURL,
      .browserDidNotOpen,
    ]
    for failure in failures {
      XCTAssertFalse(failure.userMessage?.title.isEmpty ?? true, "\(failure)")
    }
    XCTAssertNil(WebCheckoutError.backend(.cancelled).userMessage)
    XCTAssertEqual(WebCheckoutError.backend(.backend(status: 429, code: .tooManyLinks, message: "")).userMessage?.action, .retry)
  }
}
