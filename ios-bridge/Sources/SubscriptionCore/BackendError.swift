import Foundation

/// Stable error codes of the edge functions (`supabase/functions/_shared/http.ts`). The contract
/// test fails when this list and the backend's `ErrorCode` union differ.
public enum BackendErrorCode: String, LenientStringEnum, Sendable, CaseIterable {
  case methodNotAllowed = "method_not_allowed"
  case unauthorized
  case originNotAllowed = "origin_not_allowed"
  case invalidJSON = "invalid_json"
  case invalidRequest = "invalid_request"
  case payloadTooLarge = "payload_too_large"
  case invalidSignature = "invalid_signature"
  case invalidEvent = "invalid_event"
  case wrongApp = "wrong_app"
  case wrongEnvironment = "wrong_environment"
  case sandboxNotAllowed = "sandbox_not_allowed"
  case verificationUnavailable = "verification_unavailable"
  case unknownProduct = "unknown_product"
  case ownedByAnotherAccount = "owned_by_another_account"
  case accountNotFound = "account_not_found"
  case appleUnavailable = "apple_unavailable"
  case alreadySubscribed = "already_subscribed"
  /// `POST subscribe` (web only): the price changed since the page showed it; nothing was charged.
  case priceChanged = "price_changed"
  case noBillingAccount = "no_billing_account"
  case invalidReturnURL = "invalid_return_url"
  /// `web-checkout-link`: the App Store storefront is not on the server's allow-list (see WebCheckout).
  case storefrontNotEligible = "storefront_not_eligible"
  /// `web-checkout-link`: the account has no email address, so the web cannot sign it in by link.
  case noEmailAddress = "no_email_address"
  /// `web-checkout-link`: too many links asked for recently (the answer has a Retry-After header).
  case tooManyLinks = "too_many_links"
  /// `web-checkout-exchange` (web only): the link was used already, or is older than five minutes.
  case linkExpired = "link_expired"
  /// `web-checkout-exchange` (web only): another account is signed in in that browser.
  case signedInAsAnotherAccount = "signed_in_as_another_account"
  /// Supabase Auth could not be reached; retry.
  case authUnavailable = "auth_unavailable"
  case stripeUnavailable = "stripe_unavailable"
  case databaseUnavailable = "database_unavailable"
  case configError = "config_error"
  case internalError = "internal_error"
  case unrecognized
}

/// Every non-2xx answer of a function: `{ "error": { "code", "message", … } }`.
public struct BackendErrorEnvelope: Codable, Equatable, Sendable {
  public let error: BackendErrorBody

  enum CodingKeys: String, CodingKey {
    case error
  }
}

/// The error object. The optional fields are the details some codes carry.
public struct BackendErrorBody: Codable, Equatable, Sendable {
  public let code: BackendErrorCode
  public let message: String
  /// `owned_by_another_account`: the App Store purchase in question.
  public let originalTransactionId: String?
  /// `already_subscribed`: where the person is already subscribed.
  public let store: BillingStore?
  /// `already_subscribed`: who manages that subscription.
  public let manageWith: ManageWith?
  /// `already_subscribed` found in Stripe before our webhook: Stripe's own status.
  public let status: String?

  enum CodingKeys: String, CodingKey {
    case code
    case message
    case originalTransactionId
    case store
    case manageWith
    case status
  }
}
