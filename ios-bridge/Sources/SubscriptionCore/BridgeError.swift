import Foundation

/// Everything that can go wrong in the bridge, reduced to what the app must tell apart. Adapters in
/// SubscriptionKit translate supabase-swift, StoreKit and AuthenticationServices errors into this.
public enum BridgeError: Error, Equatable, Sendable {
  /// The person dismissed a sheet (Apple, Google, App Store): not an error to show.
  case cancelled
  /// Offline, timed out, or the server could not be reached.
  case network
  /// An action that needs an account was tried while signed out.
  case notSignedIn
  /// A function answered with `{ error: { code, message } }`.
  case backend(status: Int, code: BackendErrorCode, message: String)
  /// `app-store-sync` 409: this Apple ID's subscription belongs to another account.
  case ownedByAnotherAccount(originalTransactionId: String)
  /// Supabase Auth refused (its stable `error_code`, e.g. `invalid_credentials`).
  case auth(code: String, message: String)
  /// StoreKit refused or failed a purchase.
  case purchase(PurchaseFailure)
  /// Anything else; the text is for logs, not for people.
  case unexpected(String)
}

/// Why a StoreKit purchase did not go through (cancellation and Ask to Buy are not failures).
public enum PurchaseFailure: Equatable, Sendable {
  /// Restricted by Screen Time / parental controls or a device management profile.
  case notAllowed
  /// The product is not available (not approved yet, removed, or not in this storefront).
  case productUnavailable
  /// StoreKit could not reach the App Store.
  case storeUnavailable
  /// StoreKit could not verify the transaction it returned.
  case failedVerification
  case unknown
}

public enum BackendErrorMapping {
  /// Turns a non-2xx function answer into a `BridgeError`. Bodies that are not the documented
  /// envelope (a gateway's HTML error page, an empty 502) keep their status so callers can still
  /// tell a server failure from a refusal.
  public static func error(status: Int, body: Data) -> BridgeError {
    guard let envelope = try? JSONDecoder().decode(BackendErrorEnvelope.self, from: body) else {
      return .backend(status: status, code: status >= 500 ? .internalError : .unrecognized, message: "HTTP \(status)")
    }
    let error = envelope.error
    if error.code == .ownedByAnotherAccount {
      return .ownedByAnotherAccount(originalTransactionId: error.originalTransactionId ?? "")
    }
    return .backend(status: status, code: error.code, message: error.message)
  }
}
