import Foundation

/// What to show a person after an error, and what they can do about it.
public struct UserFacingMessage: Equatable, Sendable {
  public enum Action: Equatable, Sendable {
    case none
    case retry
    case signIn
    /// Sign in with the account that bought the App Store subscription.
    case switchAccount
    case openAppStoreSubscriptions
    case contactSupport
  }

  public let title: String
  public let message: String
  public let action: Action

  public init(title: String, message: String, action: Action) {
    self.title = title
    self.message = message
    self.action = action
  }
}

/// The one place that words errors for people. Returns nil for outcomes that deserve no alert
/// (a cancelled sheet).
public enum UserFacingError {
  public static func message(for error: BridgeError) -> UserFacingMessage? {
    switch error {
    case .cancelled:
      return nil
    case .network:
      return UserFacingMessage(
        title: "You're offline",
        message: "Check your connection and try again. Nothing was charged twice: purchases are confirmed as soon as you're back online.",
        action: .retry)
    case .notSignedIn:
      return UserFacingMessage(
        title: "Sign in first",
        message: "Your subscription belongs to your account, so it works on the web and on every device. Sign in or create an account to continue.",
        action: .signIn)
    case .ownedByAnotherAccount:
      return UserFacingMessage(
        title: "Subscription linked to another account",
        message: "This Apple ID's subscription belongs to a different account. Sign in with the account you used when you subscribed to use it here.",
        action: .switchAccount)
    case let .backend(status, code, _):
      return backendMessage(status: status, code: code)
    case let .auth(code, _):
      return authMessage(code: code)
    case let .purchase(failure):
      return purchaseMessage(failure)
    case .unexpected:
      return UserFacingMessage(
        title: "Something went wrong",
        message: "Please try again. If it keeps happening, contact support.",
        action: .retry)
    }
  }

  static func backendMessage(status: Int, code: BackendErrorCode) -> UserFacingMessage {
    switch code {
    case .unauthorized:
      return UserFacingMessage(
        title: "Please sign in again",
        message: "Your session has expired.",
        action: .signIn)
    case .alreadySubscribed:
      return UserFacingMessage(
        title: "You're already subscribed",
        message: "Your account already has an active subscription.",
        action: .none)
    case .accountNotFound:
      return UserFacingMessage(
        title: "Account deleted",
        message: "This account no longer exists.",
        action: .signIn)
    case .appleUnavailable:
      return UserFacingMessage(
        title: "Try again in a moment",
        message: "Apple could not be reached to finish deleting your account. Nothing was deleted yet.",
        action: .retry)
    case .databaseUnavailable, .verificationUnavailable, .stripeUnavailable:
      return UserFacingMessage(
        title: "We couldn't confirm your purchase yet",
        message: "Our servers are busy. Your purchase is safe: it will be confirmed automatically, or you can try again in a moment.",
        action: .retry)
    case .invalidSignature, .wrongApp, .wrongEnvironment, .sandboxNotAllowed, .unknownProduct, .configError:
      return UserFacingMessage(
        title: "We couldn't confirm your purchase",
        message: "Your purchase is safe with Apple and will be confirmed automatically. If your subscription isn't active within an hour, contact support.",
        action: .contactSupport)
    default:
      if status >= 500 {
        return UserFacingMessage(
          title: "Something went wrong on our side",
          message: "Please try again in a moment.",
          action: .retry)
      }
      return UserFacingMessage(
        title: "Something went wrong",
        message: "Please try again. If it keeps happening, contact support.",
        action: .contactSupport)
    }
  }

  /// Supabase Auth's `error_code` values (stable strings, see the Auth API's error codes).
  static func authMessage(code: String) -> UserFacingMessage {
    switch code {
    case "invalid_credentials":
      return UserFacingMessage(title: "Wrong email or password", message: "Check them and try again, or reset your password.", action: .none)
    case "email_not_confirmed":
      return UserFacingMessage(title: "Confirm your email", message: "Open the link we emailed you, then sign in.", action: .none)
    case "user_already_exists", "email_exists":
      return UserFacingMessage(title: "You already have an account", message: "Sign in instead, with your password, Apple or Google.", action: .signIn)
    case "weak_password":
      return UserFacingMessage(title: "Choose a stronger password", message: "Use at least 8 characters with letters and digits.", action: .none)
    case "same_password":
      return UserFacingMessage(title: "Choose a new password", message: "The new password must differ from the current one.", action: .none)
    case "over_email_send_rate_limit", "over_request_rate_limit":
      return UserFacingMessage(title: "Too many attempts", message: "Please wait a few minutes and try again.", action: .retry)
    case "identity_already_exists":
      return UserFacingMessage(title: "Already linked elsewhere", message: "That sign-in method already belongs to another account.", action: .none)
    case "manual_linking_disabled", "provider_disabled":
      return UserFacingMessage(title: "Not available", message: "This sign-in method isn't available right now.", action: .contactSupport)
    case "reauthentication_needed", "session_not_found", "session_expired", "refresh_token_not_found", "refresh_token_already_used":
      return UserFacingMessage(title: "Please sign in again", message: "For your security, sign in again to continue.", action: .signIn)
    case "email_address_invalid", "validation_failed":
      return UserFacingMessage(title: "Check your email address", message: "It doesn't look like a valid email address.", action: .none)
    default:
      return UserFacingMessage(title: "Couldn't sign you in", message: "Please try again.", action: .retry)
    }
  }

  static func purchaseMessage(_ failure: PurchaseFailure) -> UserFacingMessage {
    switch failure {
    case .notAllowed:
      return UserFacingMessage(
        title: "Purchases are turned off",
        message: "In-app purchases are restricted on this device (Screen Time or a device profile).",
        action: .none)
    case .notEntitled:
      // The app, not the device, is missing something: nothing the person can change in Settings.
      return UserFacingMessage(
        title: "Purchases aren't available in this version",
        message: "This version of the app can't make purchases. You weren't charged. Please update the app, or contact support.",
        action: .contactSupport)
    case .productUnavailable:
      return UserFacingMessage(
        title: "Not available",
        message: "The subscription isn't available in your country or region right now.",
        action: .none)
    case .storeUnavailable:
      return UserFacingMessage(
        title: "Can't reach the App Store",
        message: "Check your connection and try again. You weren't charged.",
        action: .retry)
    case .failedVerification:
      return UserFacingMessage(
        title: "We couldn't verify your purchase",
        message: "Your purchase is safe with Apple. Try Restore Purchases, or contact support.",
        action: .contactSupport)
    case .unknown:
      return UserFacingMessage(
        title: "The purchase didn't go through",
        message: "You weren't charged. Please try again.",
        action: .retry)
    }
  }
}
