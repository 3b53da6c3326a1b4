import Foundation

/// The app's view of "is this person subscribed?", published by EntitlementService for SwiftUI.
public enum EntitlementState: Equatable, Sendable {
  /// Not read yet since launch or sign-in.
  case unknown
  case signedOut
  /// The caller's `subscriptions` row (nil: they never subscribed).
  case loaded(SubscriptionRow?)
  /// The row read in an earlier session, kept on the device (`CachedEntitlement`): shown at launch
  /// until the first read answers, and for as long as the device is offline. It unlocks what it
  /// granted (see `OfflineEntitlement`), but nothing is ever sold from it: the paywall shows
  /// `.checking` unless it grants access.
  case cached(SubscriptionRow?, readAt: Date)

  public var row: SubscriptionRow? {
    switch self {
    case let .loaded(row), let .cached(row, _):
      return row
    case .unknown, .signedOut:
      return nil
    }
  }

  /// Premium content is unlocked. Only the server grants access; see `EntitlementRule`.
  public func hasAccess(at now: Date) -> Bool {
    switch self {
    case let .loaded(row?):
      return EntitlementRule.hasAccess(row, at: now)
    case let .cached(row?, readAt):
      return OfflineEntitlement.grantsAccess(row, readAt: readAt, at: now)
    case .loaded(nil), .cached(nil, _), .unknown, .signedOut:
      return false
    }
  }
}

public enum EntitlementRule {
  /// The server computes `is_active` when the row is read; a row read an hour ago can be stale.
  /// The app never grants more than the server said, and stops granting at the moment the paid
  /// period (or grace period) the server reported ends, even before the next refresh.
  public static func hasAccess(_ row: SubscriptionRow, at now: Date) -> Bool {
    guard row.isActive else { return false }
    guard let end = accessEnds(row) else { return true }
    return end > now
  }

  /// When the access the row grants ends: the grace period's end while in grace, else the period end.
  public static func accessEnds(_ row: SubscriptionRow) -> Date? {
    if row.status == .inGracePeriod { return row.gracePeriodEndsAt }
    return row.currentPeriodEndsAt
  }

  /// When to read the row again even if nothing else happens. Expiry changes `is_active` without
  /// any write in the database, so no Realtime event would announce it: the app re-reads at the
  /// boundary (plus a little slack for the server's clock) to pick up a renewal or the lapse.
  public static func nextRefresh(after row: SubscriptionRow?, now: Date, slack: TimeInterval = 5) -> Date? {
    guard let row else { return nil }
    let candidates = [row.currentPeriodEndsAt, row.gracePeriodEndsAt].compactMap { $0 }.filter { $0 > now }
    return candidates.min().map { $0.addingTimeInterval(slack) }
  }
}
