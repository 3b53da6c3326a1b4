import XCTest

@testable import SubscriptionCore

/// The row kept between launches: its bytes, its file, and what it may still unlock.
final class OfflineEntitlementTests: XCTestCase {
  private let user = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
  private let other = UUID(uuidString: "00000000-0000-4000-8000-000000000002")!
  private let now = Fixture.now

  func testTheKeptRowRoundTripsThroughItsBytes() throws {
    let grace = try XCTUnwrap(try Fixture.load("rest-subscriptions.app-store-grace").decode([SubscriptionRow].self).first)
    for row in [grace, nil] {
      let entry = CachedEntitlement(userId: user, row: row, readAt: now.addingTimeInterval(-90.5))
      let data = try XCTUnwrap(EntitlementCacheCodec.encode(entry))
      let again = try XCTUnwrap(EntitlementCacheCodec.decode(data))
      XCTAssertEqual(again.userId, user)
      XCTAssertEqual(again.version, CachedEntitlement.currentVersion)
      XCTAssertEqual(again.readAt.timeIntervalSince1970, entry.readAt.timeIntervalSince1970, accuracy: 0.001)
      XCTAssertEqual(again.row?.status, row?.status)
      XCTAssertEqual(
        again.row?.gracePeriodEndsAt?.timeIntervalSince1970 ?? 0, row?.gracePeriodEndsAt?.timeIntervalSince1970 ?? 0,
        accuracy: 0.001)
      XCTAssertEqual(again.row?.manageUrl, row?.manageUrl)
    }
  }

  func testAnUnreadableOrOtherVersionCacheIsNoCache() throws {
    let entry = CachedEntitlement(userId: user, row: makeRow(), readAt: now)
    var object = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: XCTUnwrap(EntitlementCacheCodec.encode(entry))) as? [String: Any])
    XCTAssertEqual(object["version"] as? Int, 1)
    object["version"] = 2
    XCTAssertNil(EntitlementCacheCodec.decode(try JSONSerialization.data(withJSONObject: object)))
    object["version"] = 1
    object["read_at"] = "yesterday"
    XCTAssertNil(EntitlementCacheCodec.decode(try JSONSerialization.data(withJSONObject: object)))
    XCTAssertNil(EntitlementCacheCodec.decode(Data("{\"version\":1".utf8)))
    XCTAssertNil(EntitlementCacheCodec.decode(Data()))
  }

  func testTheFileStoreKeepsOneEntryUntilCleared() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
    addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
    let store = FileEntitlementCacheStore(url: directory.appendingPathComponent("row.json"))
    XCTAssertNil(store.load())
    store.save(CachedEntitlement(userId: user, row: makeRow(), readAt: now))
    store.save(CachedEntitlement(userId: other, row: nil, readAt: now))
    let kept = try XCTUnwrap(store.load())
    XCTAssertEqual(kept.userId, other)
    XCTAssertNil(kept.row)
    store.clear()
    XCTAssertNil(store.load())
    try Data("not json".utf8).write(to: store.url)
    XCTAssertNil(store.load(), "a damaged file reads as no cache")
  }

  func testTheKeptRowIsShownOnlyToItsOwnerAndOnlyWhileRecent() {
    let entry = CachedEntitlement(userId: user, row: makeRow(), readAt: now.addingTimeInterval(-3600))
    XCTAssertEqual(
      OfflineEntitlement.launchState(cached: entry, userID: user, now: now), .cached(makeRow(), readAt: now.addingTimeInterval(-3600)))
    XCTAssertEqual(OfflineEntitlement.launchState(cached: entry, userID: other, now: now), .unknown)
    XCTAssertEqual(OfflineEntitlement.launchState(cached: nil, userID: user, now: now), .unknown)
    let old = CachedEntitlement(userId: user, row: makeRow(), readAt: now.addingTimeInterval(-OfflineEntitlement.maximumAge - 1))
    XCTAssertEqual(OfflineEntitlement.launchState(cached: old, userID: user, now: now), .unknown)
    // Read "in the future": the clock was moved back since; not trusted.
    let future = CachedEntitlement(userId: user, row: makeRow(), readAt: now.addingTimeInterval(3600))
    XCTAssertEqual(OfflineEntitlement.launchState(cached: future, userID: user, now: now), .unknown)
  }

  func testAKeptRowUnlocksUntilTheEndItReportedAndNeverPastTheMaximumAge() {
    let row = makeRow(periodEndsIn: 3600)
    let recent = EntitlementState.cached(row, readAt: now.addingTimeInterval(-60))
    XCTAssertTrue(recent.hasAccess(at: now))
    XCTAssertFalse(recent.hasAccess(at: now.addingTimeInterval(3601)), "past the period it reported")
    let stale = EntitlementState.cached(row, readAt: now.addingTimeInterval(-OfflineEntitlement.maximumAge - 1))
    XCTAssertTrue(EntitlementRule.hasAccess(row, at: now))
    XCTAssertFalse(stale.hasAccess(at: now), "kept for over a week: the row may have been refunded since")
    XCTAssertFalse(EntitlementState.cached(makeRow(isActive: false), readAt: now).hasAccess(at: now))
    XCTAssertFalse(EntitlementState.cached(nil, readAt: now).hasAccess(at: now))
  }

  /// A kept row may say "subscribed"; it never sells, restores or sends to fix a payment.
  func testNothingIsSoldFromAKeptRow() {
    func decide(_ row: SubscriptionRow?) -> PaywallDecision {
      Paywall.decide(
        PaywallInput(isSignedIn: true, entitlement: .cached(row, readAt: now.addingTimeInterval(-60)), appleID: .none, now: now))
    }
    guard case .subscribedInAppStore = decide(makeRow()) else { return XCTFail("\(decide(makeRow()))") }
    guard case .subscribedOnWeb = decide(makeRow(store: .stripe)) else { return XCTFail("\(decide(makeRow(store: .stripe)))") }
    XCTAssertEqual(decide(nil), .checking)
    XCTAssertEqual(decide(makeRow(status: .expired, isActive: false)), .checking)
    XCTAssertEqual(decide(makeRow(store: .stripe, status: .pastDue, isActive: false)), .checking)
    XCTAssertEqual(decide(makeRow(periodEndsIn: -60)), .checking)
    for row in [nil, makeRow(status: .expired, isActive: false), makeRow(store: .stripe, status: .incomplete, isActive: false)] {
      XCTAssertFalse(decide(row).allowsPurchase)
    }
  }
}
