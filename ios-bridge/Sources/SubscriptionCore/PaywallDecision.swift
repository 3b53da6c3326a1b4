import Foundation

/// What this Apple ID holds according to StoreKit on the device (`Transaction.currentEntitlements`).
public enum AppleIDSubscription: Equatable, Sendable {
  case none
  /// An active subscription whose sync has not been confirmed for the signed-in account.
  case active(originalTransactionId: String)
  /// Active, and the server said it belongs to another account (409 owned_by_another_account).
  case activeOnAnotherAccount(originalTransactionId: String)
}

/// Everything the paywall needs to decide, gathered by SubscriptionKit.
public struct PaywallInput: Equatable, Sendable {
  public var isSignedIn: Bool
  public var entitlement: EntitlementState
  public var appleID: AppleIDSubscription
  public var now: Date

  public init(isSignedIn: Bool, entitlement: EntitlementState, appleID: AppleIDSubscription, now: Date) {
    self.isSignedIn = isSignedIn
    self.entitlement = entitlement
    self.appleID = appleID
    self.now = now
  }
}

/// Facts to show for an active subscription.
public struct SubscribedSummary: Equatable, Sendable {
  public let store: BillingStore
  /// Renews on, or ends on when `willRenew` is false.
  public let periodEndsAt: Date?
  public let willRenew: Bool
  public let gracePeriodEndsAt: Date?
  public let isFamilyShared: Bool
  /// Paying in both stores at once: say so, and offer both ways to cancel one.
  public let paysTwice: Bool

  public init(row: SubscriptionRow) {
    store = row.store
    periodEndsAt = row.currentPeriodEndsAt
    willRenew = row.willRenew
    gracePeriodEndsAt = row.inGracePeriod ? row.gracePeriodEndsAt : nil
    isFamilyShared = row.isFamilyShared
    paysTwice = row.activeInBothStores
  }
}

/// What the paywall screen shows. Only `.offerPurchase` may start an in-app purchase.
public enum PaywallDecision: Equatable, Sendable {
  /// The purchase is tied to the account (appAccountToken), so buying needs one.
  case signInRequired
  /// The subscription has not been read yet: show progress, never a price.
  case checking
  case offerPurchase
  /// StoreKit holds an active subscription the server has not linked yet: offer Restore, not Buy.
  case restoreAvailable
  /// This Apple ID's subscription belongs to another account: ask to switch accounts.
  case appleSubscriptionOnAnotherAccount
  /// Subscribed through the App Store: show Apple's manage-subscriptions sheet.
  case subscribedInAppStore(SubscribedSummary)
  /// Subscribed on the web (Stripe): say so, say billing is managed on the web, sell nothing.
  case subscribedOnWeb(SubscribedSummary)
  /// A renewal failed and the store is retrying: fix the payment where the subscription lives.
  case paymentIssue(BillingStore)
  /// A first web payment is processing (e.g. 3-D Secure): don't sell a second subscription.
  case webCheckoutInProgress

  public var allowsPurchase: Bool { self == .offerPurchase }
}

public enum Paywall {
  /// Stripe abandons an unpaid first invoice after 23 hours (the subscription becomes
  /// `incomplete_expired`); past a day without news, an `incomplete` row no longer blocks a purchase.
  public static let abandonedCheckoutAge: TimeInterval = 24 * 3600

  public static func decide(_ input: PaywallInput) -> PaywallDecision {
    guard input.isSignedIn else { return .signInRequired }
    let row: SubscriptionRow?
    switch input.entitlement {
    case .unknown:
      return .checking
    case .signedOut:
      return .signInRequired
    case let .cached(cached, _):
      // A row kept from an earlier session: it may say "subscribed" (until the end it reported),
      // never "buy", "restore" or "fix the payment": the row may have changed since it was read.
      guard let cached, input.entitlement.hasAccess(at: input.now) else { return .checking }
      return cached.store == .appStore
        ? .subscribedInAppStore(SubscribedSummary(row: cached)) : .subscribedOnWeb(SubscribedSummary(row: cached))
    case let .loaded(loaded):
      row = loaded
    }

    if let row {
      if EntitlementRule.hasAccess(row, at: input.now) {
        switch row.store {
        case .appStore:
          return .subscribedInAppStore(SubscribedSummary(row: row))
        case .stripe, .unrecognized:
          // Whatever is not the App Store is managed outside the app: never sell on top of it.
          return .subscribedOnWeb(SubscribedSummary(row: row))
        }
      }
      switch row.status {
      case .pastDue:
        return .paymentIssue(row.store)
      case .paused:
        // Only Stripe pauses; resuming happens in the customer portal, on the web.
        return row.store == .appStore ? .offerPurchase : .paymentIssue(row.store)
      case .incomplete where row.store == .stripe:
        if input.now.timeIntervalSince(row.updatedAt) < abandonedCheckoutAge {
          return .webCheckoutInProgress
        }
      case .inGracePeriod, .active, .trialing:
        // The row says entitled but its period is over: it is stale, not a reason to sell.
        if row.isActive { return .checking }
      default:
        break
      }
    }

    switch input.appleID {
    case .activeOnAnotherAccount:
      return .appleSubscriptionOnAnotherAccount
    case .active:
      return .restoreAvailable
    case .none:
      return .offerPurchase
    }
  }
}
