import Foundation

/// "Is this person subscribed?": the logic behind SubscriptionKit's `EntitlementService`, kept free
/// of supabase-swift and Combine so its XCTest suite runs anywhere.
///
/// It reads the caller's row at sign-in, on demand, on every change signal and when the paid
/// period ends; keeps the last row on the device (`EntitlementCacheStore`) so a launch without
/// network shows it; and follows exactly one person at a time: whatever was started for an
/// account that is no longer signed in (a read in flight, a change feed) never touches the state.
@MainActor
public final class EntitlementController {
  public typealias ReadRow = @Sendable (UUID) async throws -> SubscriptionRow?
  public typealias ChangeSignals = @MainActor (UUID) -> AsyncStream<Void>

  public private(set) var state: EntitlementState = .unknown {
    didSet { if state != oldValue { onChange?(state, lastError) } }
  }
  public private(set) var lastError: UserFacingMessage? {
    didSet { if lastError != oldValue { onChange?(state, lastError) } }
  }
  /// Called after `state` or `lastError` changed (SubscriptionKit republishes them for SwiftUI).
  public var onChange: ((EntitlementState, UserFacingMessage?) -> Void)?

  private let read: ReadRow
  private let changes: ChangeSignals?
  private let cache: EntitlementCacheStore?
  private let describe: @Sendable (Error) -> BridgeError
  private let now: @Sendable () -> Date
  private var currentUser: UUID?
  /// Bumped at every change of person: work started under an older value is stale.
  private var generation: UInt64 = 0
  private var feedTask: Task<Void, Never>?
  private var boundaryTask: Task<Void, Never>?

  /// - Parameters:
  ///   - read: the caller's row of `public.subscriptions` (nil: never subscribed).
  ///   - changes: signals that the row may have changed (Realtime), one stream per person.
  ///   - cache: where the last row is kept between launches.
  ///   - describe: turns a read's error into a `BridgeError` (SubscriptionKit knows the SDKs' errors).
  public init(
    read: @escaping ReadRow,
    changes: ChangeSignals? = nil,
    cache: EntitlementCacheStore? = nil,
    describe: @escaping @Sendable (Error) -> BridgeError = { BridgeError.known($0) ?? .unexpected(String(describing: $0)) },
    now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.read = read
    self.changes = changes
    self.cache = cache
    self.describe = describe
    self.now = now
  }

  /// The person whose row this is.
  public var userID: UUID? { currentUser }

  public var hasAccess: Bool { state.hasAccess(at: now()) }

  /// Sign-in, sign-out or account switch.
  public func userDidChange(_ newUserID: UUID?) async {
    guard newUserID != currentUser || state == .unknown else { return }
    currentUser = newUserID
    generation &+= 1
    let current = generation
    stopFeed()
    boundaryTask?.cancel()
    boundaryTask = nil
    guard let newUserID else {
      lastError = nil
      state = .signedOut
      cache?.clear()
      return
    }
    // Until the first read answers (or while offline): the row this device kept for this person.
    state = OfflineEntitlement.launchState(cached: cache?.load(), userID: newUserID, now: now())
    await refresh()
    // Signed out, or another account signed in, while the row was being read: the change feed
    // belongs to whoever is signed in now, and their own userDidChange starts it.
    guard current == generation else { return }
    startFeed(for: newUserID)
  }

  /// Reads the row again. On failure the last known state stays (an offline launch keeps showing
  /// the cached row) and `lastError` says why.
  public func refresh() async {
    guard let userID = currentUser else { return }
    let current = generation
    do {
      let row = try await read(userID)
      guard current == generation else { return }  // signed out or switched meanwhile
      lastError = nil
      show(row, for: userID)
    } catch {
      guard current == generation else { return }
      lastError = UserFacingError.message(for: describe(error))
    }
  }

  /// A row the backend returned with another answer (`app-store-sync`): unlock at once.
  public func apply(_ row: SubscriptionRow) {
    guard let userID = currentUser, row.userId == userID else { return }
    show(row, for: userID)
  }

  private func show(_ row: SubscriptionRow?, for userID: UUID) {
    let readAt = now()
    state = .loaded(row)
    cache?.save(CachedEntitlement(userId: userID, row: row, readAt: readAt))
    boundaryTask?.cancel()
    boundaryTask = nil
    guard let at = EntitlementRule.nextRefresh(after: row, now: readAt) else { return }
    // At most a day at a time: a long wait is simply renewed by the next read.
    let delay = min(max(at.timeIntervalSince(readAt), 0), 86_400)
    boundaryTask = Task { [weak self] in
      try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
      guard !Task.isCancelled else { return }
      await self?.refresh()
    }
  }

  private func startFeed(for userID: UUID) {
    guard let changes else { return }
    let signals = changes(userID)
    feedTask = Task { [weak self] in
      for await _ in signals {
        await self?.refresh()
      }
    }
  }

  /// Cancelling the consumer finishes the stream, whose termination releases the channel.
  private func stopFeed() {
    feedTask?.cancel()
    feedTask = nil
  }
}
