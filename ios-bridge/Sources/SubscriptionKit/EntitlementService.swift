import Foundation
import SubscriptionCore

/// "Is this person subscribed?" for SwiftUI. Reads the caller's row of `public.subscriptions` at
/// launch and sign-in, on foreground, after a purchase, on Realtime change and when the paid period
/// ends; publishes a simple state.
@MainActor
public final class EntitlementService: ObservableObject {
  @Published public private(set) var state: EntitlementState = .unknown
  @Published public private(set) var lastError: UserFacingMessage?

  private let backend: SubscriptionBackend
  private let changeFeed: EntitlementChangeFeed?
  private let now: @Sendable () -> Date
  private var userID: UUID?
  private var feedTask: Task<Void, Never>?
  private var boundaryTask: Task<Void, Never>?

  public init(
    backend: SubscriptionBackend, changeFeed: EntitlementChangeFeed?, now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.backend = backend
    self.changeFeed = changeFeed
    self.now = now
  }

  public var hasAccess: Bool { state.hasAccess(at: now()) }

  /// Sign-in, sign-out or account switch.
  public func userDidChange(_ newUserID: UUID?) async {
    guard newUserID != userID || state == .unknown else { return }
    userID = newUserID
    feedTask?.cancel()
    feedTask = nil
    boundaryTask?.cancel()
    guard let newUserID else {
      state = .signedOut
      return
    }
    state = .unknown
    await refresh()
    if let changeFeed {
      let changes = changeFeed.changes(for: newUserID)
      feedTask = Task { [weak self] in
        for await _ in changes {
          await self?.refresh()
        }
      }
    }
  }

  /// Reads the row again. On failure the last known state stays (an offline launch still shows
  /// the subscription it knew, until its period ends) and `lastError` says why.
  public func refresh() async {
    guard let userID else { return }
    do {
      let row = try await backend.currentSubscription(for: userID)
      guard userID == self.userID else { return }  // signed out or switched meanwhile
      lastError = nil
      show(row)
    } catch {
      lastError = UserFacingError.message(for: BridgeErrorMapper.map(error))
    }
  }

  /// The row returned by `app-store-sync`: unlock at once, without another read.
  func apply(_ response: AppStoreSyncResponse) {
    guard let row = response.subscription, row.userId == userID else { return }
    show(row)
  }

  private func show(_ row: SubscriptionRow?) {
    state = .loaded(row)
    boundaryTask?.cancel()
    guard let at = EntitlementRule.nextRefresh(after: row, now: now()) else { return }
    let delay = at.timeIntervalSince(now())
    boundaryTask = Task { [weak self] in
      try? await Task.sleep(nanoseconds: UInt64(max(delay, 0) * 1_000_000_000))
      guard !Task.isCancelled else { return }
      await self?.refresh()
    }
  }
}
