import Foundation

// Answers of the web-only Stripe functions. The iOS app never calls them: it sells nothing outside
// the App Store and links to no web checkout. They are modelled so that the contract test covers
// every function the backend exposes to signed-in clients, and so an app screen that explains web
// billing reads the same field names as the web app.

/// `GET /functions/v1/subscribe`: the web price, resolved from the same Stripe lookup key that
/// `POST subscribe` charges.
public struct WebPrice: Codable, Equatable, Sendable {
  /// Minor units (cents).
  public let amount: Int
  public let currency: String
  public let interval: String
  /// Billed every `intervalCount` `interval`s (1 for monthly).
  public let intervalCount: Int
  /// Free days before the first charge, when the price has a trial.
  public let trialPeriodDays: Int?
  public let productName: String
  /// The amount formatted by the backend, e.g. "$9.99".
  public let formatted: String

  enum CodingKeys: String, CodingKey {
    case amount
    case currency
    case interval
    case intervalCount
    case trialPeriodDays
    case productName
    case formatted
  }
}

/// `POST /functions/v1/subscribe` (200): the Stripe subscription the web page confirms.
public struct WebSubscriptionStarted: Codable, Equatable, Sendable {
  public let subscriptionId: String
  /// `payment` or `setup`.
  public let intentType: String
  public let clientSecret: String
  public let status: String
  public let amount: Int
  public let currency: String
  public let interval: String

  enum CodingKeys: String, CodingKey {
    case subscriptionId
    case intentType
    case clientSecret
    case status
    case amount
    case currency
    case interval
  }
}

/// `POST /functions/v1/portal` (200): a Stripe customer portal session.
public struct WebPortalSession: Codable, Equatable, Sendable {
  public let url: URL

  enum CodingKeys: String, CodingKey {
    case url
  }
}
