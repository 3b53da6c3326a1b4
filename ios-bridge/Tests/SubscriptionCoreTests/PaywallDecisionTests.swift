import XCTest

@testable import SubscriptionCore

final class PaywallDecisionTests: XCTestCase {
  private let now = Fixture.now

  private func decide(
    signedIn: Bool = true, _ entitlement: EntitlementState, appleID: AppleIDSubscription = .none
  ) -> PaywallDecision {
    Paywall.decide(PaywallInput(isSignedIn: signedIn, entitlement: entitlement, appleID: appleID, now: now))
  }

  func testWebSubscriberIsNeverSoldAnInAppPurchase() {
    let decision = decide(.loaded(makeRow(store: .stripe)))
    guard case let .subscribedOnWeb(summary) = decision else { return XCTFail("\(decision)") }
    XCTAssertEqual(summary.store, .stripe)
    XCTAssertFalse(decision.allowsPurchase)
  }

  func testAppStoreSubscriberGetsAppleManagement() {
    guard case let .subscribedInAppStore(summary) = decide(.loaded(makeRow())) else { return XCTFail() }
    XCTAssertTrue(summary.willRenew)
    XCTAssertEqual(summary.periodEndsAt, now.addingTimeInterval(20 * 86_400))
  }

  func testPayingTwiceIsSurfaced() {
    guard case let .subscribedOnWeb(summary) = decide(.loaded(makeRow(store: .stripe, bothStores: true))) else { return XCTFail() }
    XCTAssertTrue(summary.paysTwice)
  }

  func testGracePeriodStillSubscribedAndShowsItsEnd() {
    let row = makeRow(status: .inGracePeriod, periodEndsIn: -86_400, graceEndsIn: 10 * 86_400)
    guard case let .subscribedInAppStore(summary) = decide(.loaded(row)) else { return XCTFail() }
    XCTAssertEqual(summary.gracePeriodEndsAt, now.addingTimeInterval(10 * 86_400))
  }

  func testNoAccountNoPurchase() {
    XCTAssertEqual(decide(signedIn: false, .loaded(nil)), .signInRequired)
    XCTAssertEqual(decide(.signedOut), .signInRequired)
  }

  func testNothingIsSoldBeforeTheRowIsKnown() {
    XCTAssertEqual(decide(.unknown), .checking)
  }

  func testNeverSubscribedOrLapsedCanBuy() {
    XCTAssertEqual(decide(.loaded(nil)), .offerPurchase)
    for status in [SubscriptionStatus.expired, .refunded, .revoked] {
      for store in [BillingStore.appStore, .stripe] {
        XCTAssertEqual(decide(.loaded(makeRow(store: store, status: status, isActive: false))), .offerPurchase, "\(store) \(status)")
      }
    }
  }

  func testPaymentProblemsAreFixedWhereTheSubscriptionLives() {
    XCTAssertEqual(decide(.loaded(makeRow(store: .stripe, status: .pastDue, isActive: false))), .paymentIssue(.stripe))
    XCTAssertEqual(decide(.loaded(makeRow(status: .pastDue, isActive: false))), .paymentIssue(.appStore))
    XCTAssertEqual(decide(.loaded(makeRow(store: .stripe, status: .paused, isActive: false))), .paymentIssue(.stripe))
  }

  func testAWebCheckoutInProgressBlocksOnlyForADay() {
    let fresh = makeRow(store: .stripe, status: .incomplete, isActive: false, periodEndsIn: nil, updatedAgo: 3600)
    XCTAssertEqual(decide(.loaded(fresh)), .webCheckoutInProgress)
    let abandoned = makeRow(store: .stripe, status: .incomplete, isActive: false, periodEndsIn: nil, updatedAgo: 25 * 3600)
    XCTAssertEqual(decide(.loaded(abandoned)), .offerPurchase)
  }

  func testAnAppleSubscriptionTheServerHasNotLinkedIsRestoredNotBoughtAgain() {
    XCTAssertEqual(decide(.loaded(nil), appleID: .active(originalTransactionId: "1")), .restoreAvailable)
    XCTAssertEqual(
      decide(.loaded(nil), appleID: .activeOnAnotherAccount(originalTransactionId: "1")), .appleSubscriptionOnAnotherAccount)
    // A web subscriber stays a web subscriber whatever this Apple ID holds.
    guard case .subscribedOnWeb = decide(.loaded(makeRow(store: .stripe)), appleID: .active(originalTransactionId: "1")) else {
      return XCTFail()
    }
  }

  func testAStaleActiveRowPastItsEndIsRecheckedNotSold() {
    let stale = makeRow(periodEndsIn: -60)
    XCTAssertEqual(decide(.loaded(stale)), .checking)
  }

  /// Whatever the row, someone entitled through Stripe, or fixing a Stripe payment, is not sold an
  /// in-app purchase; and only `.offerPurchase` allows one.
  func testNoRowOfAWebSubscriptionInGoodStandingAllowsAPurchase() {
    for status in SubscriptionStatus.allCases {
      for isActive in [true, false] {
        for appleID in [AppleIDSubscription.none, .active(originalTransactionId: "1")] {
          let row = makeRow(store: .stripe, status: status, isActive: isActive, graceEndsIn: 86_400)
          let decision = decide(.loaded(row), appleID: appleID)
          if isActive || [.pastDue, .paused, .incomplete].contains(status) {
            XCTAssertFalse(decision.allowsPurchase, "\(status) active=\(isActive) → \(decision)")
          }
          if decision.allowsPurchase { XCTAssertEqual(decision, .offerPurchase) }
        }
      }
    }
  }
}
