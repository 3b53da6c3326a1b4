import Foundation

/// `POST /functions/v1/delete-account` body: the person deletes their account (App Store guideline
/// 5.1.1(v)). Accounts that use Sign in with Apple send a fresh authorization code so the backend
/// can revoke their Apple tokens.
public struct AccountDeletionRequest: Encodable, Equatable, Sendable {
  public let appleAuthorizationCode: String?

  public init(appleAuthorizationCode: String?) {
    self.appleAuthorizationCode = appleAuthorizationCode
  }

  enum CodingKeys: String, CodingKey {
    case appleAuthorizationCode
  }
}

/// `POST /functions/v1/delete-account` (200).
public struct AccountDeletionResponse: Codable, Equatable, Sendable {
  public let deleted: Bool
  public let stripe: AccountDeletionStripe
  public let appleTokenRevoked: Bool
  public let appStore: AccountDeletionAppStore

  enum CodingKeys: String, CodingKey {
    case deleted
    case stripe
    case appleTokenRevoked
    case appStore
  }
}

/// What happened to a web (Stripe) subscription: ended at once.
public struct AccountDeletionStripe: Codable, Equatable, Sendable {
  public let canceledSubscriptions: [String]
  public let customerDeleted: Bool

  enum CodingKeys: String, CodingKey {
    case canceledSubscriptions
    case customerDeleted
  }
}

/// An App Store subscription is billed by Apple: the person must still cancel it there.
public struct AccountDeletionAppStore: Codable, Equatable, Sendable {
  public let mustCancelInAppStore: Bool
  public let message: String?
  public let manageUrl: URL?

  enum CodingKeys: String, CodingKey {
    case mustCancelInAppStore
    case message
    case manageUrl
  }
}
