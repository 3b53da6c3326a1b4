import Foundation

// The backend's text enums. Each decodes an unknown value to `.unrecognized` instead of failing, so
// an app already in people's hands keeps working when the backend adds a value; the app then treats
// the row conservatively (access still follows `is_active`). The contract test in
// supabase/tests/ios-contract checks every other case against the database's enum labels.

/// `subscriptions.status`: the normalized store status (`billing.subscription_status`).
public enum SubscriptionStatus: String, Codable, Sendable, CaseIterable {
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

  public init(from decoder: Decoder) throws {
    let raw = try decoder.singleValueContainer().decode(String.self)
    self = SubscriptionStatus(rawValue: raw) ?? .unrecognized
  }
}

/// `subscriptions.store`: where the subscription was bought (`billing.store`).
public enum BillingStore: String, Codable, Sendable, CaseIterable {
  case stripe
  case appStore = "app_store"
  case unrecognized

  public init(from decoder: Decoder) throws {
    let raw = try decoder.singleValueContainer().decode(String.self)
    self = BillingStore(rawValue: raw) ?? .unrecognized
  }
}

/// `subscriptions.manage_with`: who manages billing for this subscription.
public enum ManageWith: String, Codable, Sendable, CaseIterable {
  /// Stripe's customer portal, opened from the web app.
  case stripeCustomerPortal = "stripe_customer_portal"
  /// Apple's manage-subscriptions sheet.
  case appStore = "app_store"
  case unrecognized

  public init(from decoder: Decoder) throws {
    let raw = try decoder.singleValueContainer().decode(String.self)
    self = ManageWith(rawValue: raw) ?? .unrecognized
  }
}
