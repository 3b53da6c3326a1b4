import Foundation

// "Buy on the web" (docs/ios.md): the bodies of `/functions/v1/web-checkout-link`. The contract test
// checks these CodingKeys against the real function's answers (Fixtures/web-checkout-link.*).

/// `POST /functions/v1/web-checkout-link` body: the App Store storefront the device is on.
public struct WebCheckoutRequest: Encodable, Equatable, Sendable {
  /// StoreKit's `Storefront.current?.countryCode`: ISO 3166-1 alpha-3, e.g. `USA`.
  public let storefront: String

  public init(storefront: String) {
    self.storefront = storefront
  }

  enum CodingKeys: String, CodingKey {
    case storefront
  }
}

/// `GET /functions/v1/web-checkout-link` (200): where the backend offers buying on the web.
public struct WebCheckoutStorefronts: Codable, Equatable, Sendable {
  /// App Store storefront codes (ISO 3166-1 alpha-3); empty when the backend turned it off.
  public let storefronts: [String]

  public init(storefronts: [String]) {
    self.storefronts = storefronts
  }

  enum CodingKeys: String, CodingKey {
    case storefronts
  }
}

/// `POST /functions/v1/web-checkout-link` (200): a single-use link to the web checkout, signed in
/// as the caller. Open it at once in the system browser; it works once, until `expiresAt`.
public struct WebCheckoutLink: Codable, Equatable, Sendable {
  /// Always on the backend's configured web origin (`WEB_APP_URL/continue#handoff=…`).
  public let url: URL
  public let expiresAt: Date

  public init(url: URL, expiresAt: Date) {
    self.url = url
    self.expiresAt = expiresAt
  }

  enum CodingKeys: String, CodingKey {
    case url
    case expiresAt = "expires_at"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    url = try c.decode(URL.self, forKey: .url)
    expiresAt = try c.decodeTimestamp(forKey: .expiresAt)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(url, forKey: .url)
    try c.encode(BackendTimestamp.string(from: expiresAt), forKey: .expiresAt)
  }
}
