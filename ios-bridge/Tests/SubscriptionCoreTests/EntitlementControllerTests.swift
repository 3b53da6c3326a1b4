import XCTest

@testable import SubscriptionCore

/// EntitlementController (behind SubscriptionKit's EntitlementService): one person at a time,
/// whatever the timing of reads and sign-ins, and an offline launch that shows the kept row.
private let alex = UUID(uuidString: "00000000-0000-4000-8000-00000000000a")!
private let sam = UUID(uuidString: "00000000-0000-4000-8000-00000000000b")!
private let now = Fixture.now

final class EntitlementControllerTests: XCTestCase {
  // MARK: Item 5: nothing started for an account outlives it

  @MainActor
  func testASignOutDuringTheFirstReadStartsNoFeedForTheOldAccount() async {
    let reads = ScriptedReads()
    let feeds = RecordedFeeds()
    let controller = EntitlementController(read: reads.read, changes: feeds.changes, now: { Fixture.now })

    let signIn = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    await controller.userDidChange(nil)  // signed out while Alex's row is being read
    reads.answer(accountRow(for: alex))
    await signIn.value

    XCTAssertEqual(controller.state, .signedOut)
    XCTAssertEqual(feeds.opened, [], "a Realtime feed was started for an account that had signed out, and never cancelled")
  }

  @MainActor
  func testAnAccountSwitchDuringTheReadShowsAndFollowsOnlyTheNewAccount() async {
    let reads = ScriptedReads()
    let feeds = RecordedFeeds()
    let controller = EntitlementController(read: reads.read, changes: feeds.changes, now: { Fixture.now })

    let first = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    let second = Task { await controller.userDidChange(sam) }
    await reads.waitUntilPending(2)
    reads.answer(accountRow(for: alex, store: .stripe))  // Alex's answer arrives after Sam signed in
    reads.answer(accountRow(for: sam))
    await first.value
    await second.value

    XCTAssertEqual(controller.state, .loaded(accountRow(for: sam)))
    XCTAssertEqual(feeds.opened, [sam])
    // Sam's feed is live: a change signal reads Sam's row again.
    feeds.signal(sam)
    await reads.waitUntilPending(1)
    XCTAssertEqual(reads.requested, [alex, sam, sam])
  }

  @MainActor
  func testAQuickSignOutAndInAsTheSameAccountLeavesExactlyOneLiveFeed() async {
    let reads = ScriptedReads()
    let feeds = RecordedFeeds()
    let controller = EntitlementController(read: reads.read, changes: feeds.changes, now: { Fixture.now })

    let firstSignIn = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    reads.answer(accountRow(for: alex))
    await firstSignIn.value
    await controller.userDidChange(nil)
    let secondSignIn = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    reads.answer(accountRow(for: alex))
    await secondSignIn.value
    await feeds.waitUntilEnded(1)

    XCTAssertEqual(feeds.opened, [alex, alex])
    XCTAssertEqual(feeds.ended, [alex], "the first stream ends with the sign-out, the second stays")
    feeds.signal(alex)
    await reads.waitUntilPending(1)
    XCTAssertEqual(reads.requested.count, 3)
  }

  @MainActor
  func testAReadThatFailsAfterASwitchDoesNotReportOnTheNewAccount() async {
    let reads = ScriptedReads()
    let controller = EntitlementController(read: reads.read, describe: { _ in .network }, now: { Fixture.now })
    let first = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    let second = Task { await controller.userDidChange(sam) }
    await reads.waitUntilPending(2)
    reads.fail(Offline())
    reads.answer(nil)
    await first.value
    await second.value
    XCTAssertNil(controller.lastError)
    XCTAssertEqual(controller.state, .loaded(nil))
  }

  // MARK: Item 4: an offline launch shows the row kept from the last session

  @MainActor
  func testAnOfflineLaunchShowsTheKeptRowAndUnlocksFromIt() async throws {
    let cache = temporaryCache()
    let kept = accountRow(for: alex)
    cache.save(CachedEntitlement(userId: alex, row: kept, readAt: now.addingTimeInterval(-3600)))
    let reads = ScriptedReads()
    let controller = EntitlementController(read: reads.read, cache: cache, describe: { _ in .network }, now: { Fixture.now })

    let launch = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    XCTAssertEqual(controller.state, .cached(kept, readAt: now.addingTimeInterval(-3600)), "shown before the read answers")
    reads.fail(Offline())
    await launch.value

    XCTAssertEqual(controller.state, .cached(kept, readAt: now.addingTimeInterval(-3600)), "kept while offline")
    XCTAssertTrue(controller.state.hasAccess(at: now))
    XCTAssertEqual(controller.lastError?.action, .retry)
    guard case .subscribedInAppStore = decide(controller.state) else { return XCTFail("\(decide(controller.state))") }
  }

  @MainActor
  func testAKeptRowThatGrantsNothingShowsCheckingNeverAPrice() async {
    for kept in [nil, accountRow(for: alex, status: .expired, isActive: false), accountRow(for: alex, store: .stripe, status: .pastDue, isActive: false)] {
      let cache = temporaryCache()
      cache.save(CachedEntitlement(userId: alex, row: kept, readAt: now.addingTimeInterval(-60)))
      let reads = ScriptedReads()
      let controller = EntitlementController(read: reads.read, cache: cache, describe: { _ in .network }, now: { Fixture.now })
      let launch = Task { await controller.userDidChange(alex) }
      await reads.waitUntilPending(1)
      reads.fail(Offline())
      await launch.value
      XCTAssertEqual(decide(controller.state), .checking, "\(String(describing: kept?.status))")
    }
  }

  @MainActor
  func testEveryReadIsKeptForTheNextLaunchAndSignOutForgetsIt() async throws {
    let cache = temporaryCache()
    let reads = ScriptedReads()
    let controller = EntitlementController(read: reads.read, cache: cache, now: { Fixture.now })
    let signIn = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    reads.answer(accountRow(for: alex))
    await signIn.value

    let kept = try XCTUnwrap(cache.load())
    XCTAssertEqual(kept.userId, alex)
    XCTAssertEqual(kept.row, accountRow(for: alex))
    XCTAssertEqual(kept.readAt, now)

    // The next launch, offline: the same row.
    let nextLaunch = EntitlementController(read: reads.read, cache: cache, describe: { _ in .network }, now: { Fixture.now })
    let relaunch = Task { await nextLaunch.userDidChange(alex) }
    await reads.waitUntilPending(1)
    reads.fail(Offline())
    await relaunch.value
    XCTAssertEqual(nextLaunch.state.row, accountRow(for: alex))

    await controller.userDidChange(nil)
    XCTAssertNil(cache.load(), "signing out leaves nothing of the account on the device")
  }

  @MainActor
  func testAnotherAccountsKeptRowIsNeverShown() async {
    let cache = temporaryCache()
    cache.save(CachedEntitlement(userId: sam, row: accountRow(for: sam), readAt: now.addingTimeInterval(-60)))
    let reads = ScriptedReads()
    let controller = EntitlementController(read: reads.read, cache: cache, describe: { _ in .network }, now: { Fixture.now })
    let launch = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    XCTAssertEqual(controller.state, .unknown)
    reads.fail(Offline())
    await launch.value
    XCTAssertEqual(controller.state, .unknown)
    XCTAssertEqual(decide(controller.state), .checking)
  }

  @MainActor
  func testASyncAnswerForTheSignedInAccountUnlocksAtOnce() async {
    let reads = ScriptedReads()
    let controller = EntitlementController(read: reads.read, now: { Fixture.now })
    let signIn = Task { await controller.userDidChange(alex) }
    await reads.waitUntilPending(1)
    reads.answer(nil)
    await signIn.value
    controller.apply(accountRow(for: sam))
    XCTAssertEqual(controller.state, .loaded(nil), "another account's row is ignored")
    controller.apply(accountRow(for: alex))
    XCTAssertEqual(controller.state, .loaded(accountRow(for: alex)))
  }

  // MARK: Helpers

  private func decide(_ state: EntitlementState) -> PaywallDecision {
    Paywall.decide(PaywallInput(isSignedIn: true, entitlement: state, appleID: .none, now: now))
  }

  private func temporaryCache() -> FileEntitlementCacheStore {
    let cache = FileEntitlementCacheStore(
      url: FileManager.default.temporaryDirectory.appendingPathComponent("entitlement-cache-\(UUID().uuidString).json"))
    addTeardownBlock { cache.clear() }
    return cache
  }
}

struct Offline: Error {}

/// `makeRow`, for a given account.
func accountRow(
  for user: UUID, store: BillingStore = .appStore, status: SubscriptionStatus = .active, isActive: Bool = true
) -> SubscriptionRow {
  let r = makeRow(store: store, status: status, isActive: isActive)
  return SubscriptionRow(
    userId: user, isActive: r.isActive, status: r.status, store: r.store, productId: r.productId,
    currentPeriodEndsAt: r.currentPeriodEndsAt, willRenew: r.willRenew, inGracePeriod: r.inGracePeriod,
    gracePeriodEndsAt: r.gracePeriodEndsAt, hasBillingIssue: r.hasBillingIssue, isSandbox: r.isSandbox,
    isFamilyShared: r.isFamilyShared, manageWith: r.manageWith, manageUrl: r.manageUrl,
    activeInBothStores: r.activeInBothStores, updatedAt: r.updatedAt)
}

/// Reads of the row that answer when the test says so, in order.
@MainActor
final class ScriptedReads {
  private var waiting: [CheckedContinuation<SubscriptionRow?, Error>] = []
  private(set) var requested: [UUID] = []

  var read: EntitlementController.ReadRow {
    { user in try await self.enqueue(user) }
  }

  private func enqueue(_ user: UUID) async throws -> SubscriptionRow? {
    requested.append(user)
    return try await withCheckedThrowingContinuation { waiting.append($0) }
  }

  func answer(_ row: SubscriptionRow?) {
    waiting.removeFirst().resume(returning: row)
  }

  func fail(_ error: Error) {
    waiting.removeFirst().resume(throwing: error)
  }

  /// Lets the other main-actor tasks run until `count` reads are waiting for an answer.
  func waitUntilPending(_ count: Int, file: StaticString = #filePath, line: UInt = #line) async {
    for _ in 0..<10_000 where waiting.count < count {
      await Task.yield()
    }
    XCTAssertEqual(waiting.count, count, "reads waiting for an answer", file: file, line: line)
  }
}

/// Change feeds, one stream per `changes(_:)` call, recording which were opened and which ended.
@MainActor
final class RecordedFeeds {
  private(set) var opened: [UUID] = []
  private(set) var ended: [UUID] = []
  private var streams: [(user: UUID, continuation: AsyncStream<Void>.Continuation)] = []

  var changes: EntitlementController.ChangeSignals {
    { user in self.open(user) }
  }

  private func open(_ user: UUID) -> AsyncStream<Void> {
    opened.append(user)
    let (stream, continuation) = AsyncStream<Void>.makeStream()
    continuation.onTermination = { _ in
      Task { @MainActor in self.ended.append(user) }
    }
    streams.append((user, continuation))
    return stream
  }

  func signal(_ user: UUID) {
    for stream in streams where stream.user == user {
      stream.continuation.yield()
    }
  }

  func waitUntilEnded(_ count: Int) async {
    for _ in 0..<10_000 where ended.count < count {
      await Task.yield()
    }
  }
}
