import Foundation

/// A backend text enum that decodes a value it does not know to `.unrecognized` instead of failing,
/// so an app already in people's hands keeps working when the backend adds a value; the app then
/// treats it conservatively (access still follows `is_active`). The contract test in
/// supabase/tests/ios-contract checks every other case against the backend's values.
public protocol LenientStringEnum: RawRepresentable, Codable where RawValue == String {
  static var unrecognized: Self { get }
}

extension LenientStringEnum {
  public init(from decoder: Decoder) throws {
    let raw = try decoder.singleValueContainer().decode(String.self)
    self = Self(rawValue: raw) ?? .unrecognized
  }
}

/// `subscriptions.status`: the normalized store status (`billing.subscription_status`).
public enum SubscriptionStatus: String, LenientStringEnum, Sendable, CaseIterable {
  case incomplete
  case trialing
  case active
  case inGracePeriod = "in_grace_period"
  case pastDue = "past_due"
  case paused
  case expired
  case refunded
  case revoked
  case unrecognized
}

/// `subscriptions.store`: where the subscription was bought (`billing.store`).
public enum BillingStore: String, LenientStringEnum, Sendable, CaseIterable {
  case stripe
  case appStore = "app_store"
  case unrecognized
}

/// `subscriptions.manage_with`: who manages billing for this subscription.
public enum ManageWith: String, LenientStringEnum, Sendable, CaseIterable {
  /// Stripe's customer portal, opened from the web app.
  case stripeCustomerPortal = "stripe_customer_portal"
  /// Apple's manage-subscriptions sheet.
  case appStore = "app_store"
  case unrecognized
}
