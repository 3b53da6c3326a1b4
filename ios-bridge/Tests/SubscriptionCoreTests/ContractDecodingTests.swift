import XCTest

@testable import SubscriptionCore

/// Decodes every answer the backend really gives (see Fixture) with the app's models.
final class ContractDecodingTests: XCTestCase {
  func testAppStoreRowFromRESTDecodes() throws {
    let rows = try Fixture.load("rest-subscriptions.app-store-active").decode([SubscriptionRow].self)
    let row = try XCTUnwrap(rows.first)
    XCTAssertEqual(rows.count, 1)
    XCTAssertTrue(row.isActive)
    XCTAssertEqual(row.status, .active)
    XCTAssertEqual(row.store, .appStore)
    XCTAssertEqual(row.productId, CertGamesApp.monthlyPremiumProductID)
    XCTAssertEqual(row.manageWith, .appStore)
    XCTAssertEqual(row.manageUrl, URL(string: "https://apps.apple.com/account/subscriptions"))
    XCTAssertNil(row.gracePeriodEndsAt)
    XCTAssertTrue(row.willRenew)
    XCTAssertFalse(row.activeInBothStores)
    // Postgres's JSON timestamps (+00:00, up to six fraction digits) parse.
    let periodEnd = try XCTUnwrap(row.currentPeriodEndsAt)
    XCTAssertGreaterThan(periodEnd, Fixture.now.addingTimeInterval(29 * 86_400))
    XCTAssertEqual(row.updatedAt.timeIntervalSince(Fixture.now), 0, accuracy: 3600)
  }

  func testGracePeriodRowDecodes() throws {
    let row = try XCTUnwrap(try Fixture.load("rest-subscriptions.app-store-grace").decode([SubscriptionRow].self).first)
    XCTAssertEqual(row.status, .inGracePeriod)
    XCTAssertTrue(row.isActive)
    XCTAssertTrue(row.inGracePeriod)
    XCTAssertTrue(row.hasBillingIssue)
    let graceEnd = try XCTUnwrap(row.gracePeriodEndsAt)
    XCTAssertGreaterThan(graceEnd, try XCTUnwrap(row.currentPeriodEndsAt))
    XCTAssertEqual(EntitlementRule.accessEnds(row), graceEnd)
  }

  func testStripeRowDecodes() throws {
    let row = try XCTUnwrap(try Fixture.load("rest-subscriptions.stripe-active").decode([SubscriptionRow].self).first)
    XCTAssertEqual(row.store, .stripe)
    XCTAssertEqual(row.manageWith, .stripeCustomerPortal)
    XCTAssertNil(row.manageUrl)
    XCTAssertTrue(row.isActive)
  }

  func testNoSubscriptionIsAnEmptyArray() throws {
    XCTAssertEqual(try Fixture.load("rest-subscriptions.none").decode([SubscriptionRow].self), [])
  }

  func testSyncLinkedDecodesWithTheRowForInstantUnlock() throws {
    let fixture = try Fixture.load("app-store-sync.200-linked")
    XCTAssertEqual(fixture.status, 200)
    let response = try fixture.decode(AppStoreSyncResponse.self)
    XCTAssertEqual(response.outcome, .linked)
    XCTAssertEqual(response.environment, .sandbox)
    XCTAssertFalse(response.originalTransactionId.isEmpty)
    let row = try XCTUnwrap(response.subscription)
    // JavaScript's timestamps (…sssZ) parse too.
    XCTAssertTrue(row.isActive)
    XCTAssertEqual(row.store, .appStore)
    XCTAssertNotNil(row.currentPeriodEndsAt)
  }

  func testOwnedByAnotherAccountMapsToItsOwnError() throws {
    let fixture = try Fixture.load("app-store-sync.409-owned-by-another-account")
    XCTAssertEqual(fixture.status, 409)
    let error = BackendErrorMapping.error(status: fixture.status, body: fixture.body)
    let envelope = try fixture.decode(BackendErrorEnvelope.self)
    XCTAssertEqual(error, .ownedByAnotherAccount(originalTransactionId: try XCTUnwrap(envelope.error.originalTransactionId)))
    XCTAssertEqual(FinishPolicy.disposition(for: .rejected(error)), .finish)
    XCTAssertEqual(UserFacingError.message(for: error)?.action, .switchAccount)
  }

  func testUnauthorizedAndForgedSyncsAreKeptForRetry() throws {
    for name in ["app-store-sync.401-unauthorized", "app-store-sync.400-invalid-signature"] {
      let fixture = try Fixture.load(name)
      let error = BackendErrorMapping.error(status: fixture.status, body: fixture.body)
      guard case let .backend(status, code, _) = error else { return XCTFail("\(name): \(error)") }
      XCTAssertEqual(status, fixture.status)
      XCTAssertNotEqual(code, .unrecognized, name)
      XCTAssertEqual(FinishPolicy.disposition(for: .rejected(error)), .keepForRetry, name)
    }
  }

  func testAlreadySubscribedCarriesWhereAndWho() throws {
    let appStore = try Fixture.load("subscribe.post-409-already-subscribed-app-store").decode(BackendErrorEnvelope.self).error
    XCTAssertEqual(appStore.code, .alreadySubscribed)
    XCTAssertEqual(appStore.store, .appStore)
    XCTAssertEqual(appStore.manageWith, .appStore)
    let stripe = try Fixture.load("subscribe.post-409-already-subscribed-stripe").decode(BackendErrorEnvelope.self).error
    XCTAssertEqual(stripe.store, .stripe)
    XCTAssertEqual(stripe.manageWith, .stripeCustomerPortal)
    XCTAssertNotNil(stripe.status)
  }

  func testWebBillingAnswersDecode() throws {
    let price = try Fixture.load("subscribe.get-200").decode(WebPrice.self)
    XCTAssertEqual(price.amount, 999)
    XCTAssertEqual(price.interval, "month")
    XCTAssertEqual(price.intervalCount, 1)
    XCTAssertNil(price.trialPeriodDays)
    XCTAssertEqual(price.formatted, "$9.99")
    let started = try Fixture.load("subscribe.post-200").decode(WebSubscriptionStarted.self)
    XCTAssertEqual(started.amount, price.amount)
    XCTAssertEqual(try Fixture.load("portal.post-200").decode(WebPortalSession.self).url.scheme, "https")
    let missing = try Fixture.load("portal.post-404-no-billing-account").decode(BackendErrorEnvelope.self)
    XCTAssertEqual(missing.error.code, .noBillingAccount)
  }

  /// Every fixture decodes with its model, chosen by the fixture's name: a fixture nobody decodes is
  /// a contract nobody checks. A new endpoint's 2xx fixtures fail here until their prefix is added
  /// (supabase/tests/ios-contract/swift-regressions.test.ts checks this table against the fixtures
  /// without a Swift compiler too). Error answers all decode as `BackendErrorEnvelope`.
  func testEveryFixtureDecodes() throws {
    let decoders: KeyValuePairs<String, (Data) throws -> Any> = [
      "rest-subscriptions.": { try JSONDecoder().decode([SubscriptionRow].self, from: $0) },
      "rest-practice-questions.": { try JSONDecoder().decode([PracticeQuestion].self, from: $0) },
      "app-store-sync.": { try JSONDecoder().decode(AppStoreSyncResponse.self, from: $0) },
      "subscribe.get": { try JSONDecoder().decode(WebPrice.self, from: $0) },
      "subscribe.post": { try JSONDecoder().decode(WebSubscriptionStarted.self, from: $0) },
      "portal.": { try JSONDecoder().decode(WebPortalSession.self, from: $0) },
      "delete-account.": { try JSONDecoder().decode(AccountDeletionResponse.self, from: $0) },
      "web-checkout-link.get": { try JSONDecoder().decode(WebCheckoutStorefronts.self, from: $0) },
      "web-checkout-link.post": { try JSONDecoder().decode(WebCheckoutLink.self, from: $0) },
    ]
    let names = try Fixture.allNames()
    XCTAssertGreaterThanOrEqual(names.count, 14)
    for name in names {
      let fixture = try Fixture.load(name)
      guard fixture.status < 300 else {
        let envelope = try fixture.decode(BackendErrorEnvelope.self)
        XCTAssertNotEqual(envelope.error.code, .unrecognized, name)
        continue
      }
      let models = decoders.filter { name.hasPrefix($0.key) }
      XCTAssertEqual(models.count, 1, "\(name): \(models.count) models decode it; give its prefix one entry in `decoders`")
      for model in models {
        XCTAssertNoThrow(try model.value(fixture.body), "\(name) does not decode with the model for \(model.key)")
      }
    }
  }

  func testPracticeQuestionsAsTheDatabaseGatesThem() throws {
    let all = try Fixture.load("rest-practice-questions.subscriber").decode([PracticeQuestion].self)
    XCTAssertEqual(all.map(\.isPremium), [false, true])
    XCTAssertEqual(all.map(\.position), [1, 2])
    let premium = try XCTUnwrap(all.last)
    XCTAssertEqual(premium.examCode, "security-plus")
    XCTAssertEqual(premium.choices.count, 4)
    XCTAssertEqual(premium.correctChoice, premium.choices[premium.answer])
    XCTAssertFalse(premium.explanation.isEmpty)
    // Not subscribed: the same request, and the database returned the free question only.
    let free = try Fixture.load("rest-practice-questions.not-subscribed").decode([PracticeQuestion].self)
    XCTAssertEqual(free, all.filter { !$0.isPremium })
    // A short page is the last one; a full one continues after its last position.
    XCTAssertNil(PracticeQuestionPage.nextAfter(all))
    let full = (1...PracticeQuestionPage.size).map {
      PracticeQuestion(
        id: Int64($0), examCode: "security-plus", position: $0 * 10, question: "q", choices: ["a", "b"], answer: 0,
        explanation: "e", isPremium: false)
    }
    XCTAssertEqual(PracticeQuestionPage.nextAfter(full), PracticeQuestionPage.size * 10)
  }

  func testUnknownEnumValuesDoNotBreakDecoding() throws {
    var object = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Fixture.load("rest-subscriptions.stripe-active").body) as? [[String: Any]]
    ).first!
    object["status"] = "frozen"
    object["store"] = "play_store"
    object["manage_with"] = "carrier"
    let row = try JSONDecoder().decode(SubscriptionRow.self, from: JSONSerialization.data(withJSONObject: object))
    XCTAssertEqual([row.status.rawValue, row.store.rawValue, row.manageWith.rawValue], ["unrecognized", "unrecognized", "unrecognized"])
  }

  func testARowRoundTripsThroughTheCache() throws {
    let row = try XCTUnwrap(try Fixture.load("rest-subscriptions.app-store-grace").decode([SubscriptionRow].self).first)
    let again = try JSONDecoder().decode(SubscriptionRow.self, from: JSONEncoder().encode(row))
    XCTAssertEqual(again.gracePeriodEndsAt?.timeIntervalSince1970 ?? 0, row.gracePeriodEndsAt?.timeIntervalSince1970 ?? 1, accuracy: 0.001)
    XCTAssertEqual(again.status, row.status)
    XCTAssertEqual(again.userId, row.userId)
  }

  func testAccountDeletionTellsWhatRemainsInTheAppStore() throws {
    let appStore = try Fixture.load("delete-account.post-200-app-store-subscriber").decode(AccountDeletionResponse.self)
    XCTAssertTrue(appStore.deleted)
    XCTAssertTrue(appStore.appStore.mustCancelInAppStore)
    XCTAssertEqual(appStore.appStore.manageUrl, URL(string: "https://apps.apple.com/account/subscriptions"))
    let web = try Fixture.load("delete-account.post-200-web-subscriber").decode(AccountDeletionResponse.self)
    XCTAssertEqual(web.stripe.canceledSubscriptions.count, 1)
    XCTAssertTrue(web.stripe.customerDeleted)
    XCTAssertFalse(web.appStore.mustCancelInAppStore)
    XCTAssertNil(web.appStore.manageUrl)
    let again = try Fixture.load("delete-account.post-404-account-not-found").decode(BackendErrorEnvelope.self)
    XCTAssertEqual(again.error.code, .accountNotFound)
  }
}
