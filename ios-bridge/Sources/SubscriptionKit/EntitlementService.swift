import Foundation
import SubscriptionCore

/// "Is this person subscribed?" for SwiftUI. Reads the caller's row of `public.subscriptions` at
/// launch and sign-in, on foreground, after a purchase, on Realtime change and when the paid period
/// ends; keeps the last row on the device so an offline launch shows it; publishes a simple state.
///
/// The logic is `SubscriptionCore.EntitlementController` (tested with XCTest); this class wires it
/// to the backend, the Realtime feed and SwiftUI.
@MainActor
public final class EntitlementService: ObservableObject {
  @Published public private(set) var state: EntitlementState = .unknown
  @Published public private(set) var lastError: UserFacingMessage?

  private let controller: EntitlementController
  private let now: @Sendable () -> Date

  /// - Parameter cache: where the last row is kept between launches
  ///   (`FileEntitlementCacheStore.applicationSupport()` in the app; nil keeps nothing).
  public init(
    backend: SubscriptionBackend, changeFeed: EntitlementChangeFeed?, cache: EntitlementCacheStore? = nil,
    now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.now = now
    var changes: EntitlementController.ChangeSignals?
    if let changeFeed {
      changes = { changeFeed.changes(for: $0) }
    }
    controller = EntitlementController(
      read: { try await backend.currentSubscription(for: $0) },
      changes: changes,
      cache: cache,
      describe: { BridgeErrorMapper.map($0) },
      now: now)
    controller.onChange = { [weak self] state, lastError in
      self?.state = state
      self?.lastError = lastError
    }
  }

  public var hasAccess: Bool { state.hasAccess(at: now()) }

  /// Sign-in, sign-out or account switch. Nothing started for a previous account (a read in
  /// flight, its Realtime feed) outlives the switch.
  public func userDidChange(_ newUserID: UUID?) async {
    await controller.userDidChange(newUserID)
  }

  /// Reads the row again. On failure the last known state stays (an offline launch still shows
  /// the row it kept, until its period ends) and `lastError` says why.
  public func refresh() async {
    await controller.refresh()
  }

  /// The row returned by `app-store-sync`: unlock at once, without another read.
  func apply(_ response: AppStoreSyncResponse) {
    guard let row = response.subscription else { return }
    controller.apply(row)
  }
}
