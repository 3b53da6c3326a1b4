import Foundation

// Answers of the web-only Stripe functions. The iOS app never calls them: it sells nothing outside
// the App Store and links to no web checkout. They are modelled so that the contract test covers
// every function the backend exposes to signed-in clients, and so an app screen that explains web
// billing reads the same field names as the web app.

/// `GET /functions/v1/subscribe`: the web price.
public struct WebPrice: Codable, Equatable, Sendable {
  /// Minor units (cents).
  public let amount: Int
  public let currency: String
  public let interval: String
  public let productName: String

  enum CodingKeys: String, CodingKey {
    case amount
    case currency
    case interval
    case productName
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
