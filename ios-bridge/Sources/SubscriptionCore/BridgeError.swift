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
public enum PurchaseFailure: Equatable, Sendable, CaseIterable {
  /// Restricted by Screen Time / parental controls or a device management profile
  /// (`Product.PurchaseError.purchaseNotAllowed`).
  case notAllowed
  /// The app itself lacks the entitlement (`StoreKitError.notEntitled`: "the app doesn't have the
  /// appropriate entitlements"): a build or configuration problem on our side, not the person's.
  case notEntitled
  /// The product is not available (not approved yet, removed, or not in this storefront).
  case productUnavailable
  /// StoreKit could not reach the App Store.
  case storeUnavailable
  /// StoreKit could not verify the transaction it returned.
  case failedVerification
  case unknown
}

extension BridgeError {
  /// The errors SubscriptionCore itself raises or knows, or nil for an SDK's error (SubscriptionKit
  /// maps supabase-swift's, StoreKit's and AuthenticationServices' errors).
  public static func known(_ error: Error) -> BridgeError? {
    switch error {
    case let bridge as BridgeError:
      return bridge
    case is CancellationError, is RequestAlreadyInProgress:
      // A second sign-in while the first sheet is still up: the sheet on screen is the answer.
      return .cancelled
    default:
      return nil
    }
  }
}

public enum BackendErrorMapping {
  /// Turns a non-2xx answer (of a function, or of the REST API as supabase-swift's `HTTPError`)
  /// into a `BridgeError`. Bodies that are not the documented envelope (a gateway's HTML error
  /// page, an empty 502) keep their status so callers can still tell a server failure, an expired
  /// session and a refusal apart.
  public static func error(status: Int, body: Data) -> BridgeError {
    guard let envelope = try? JSONDecoder().decode(BackendErrorEnvelope.self, from: body) else {
      let code: BackendErrorCode = status == 401 ? .unauthorized : status >= 500 ? .internalError : .unrecognized
      return .backend(status: status, code: code, message: "HTTP \(status)")
    }
    let error = envelope.error
    if error.code == .ownedByAnotherAccount {
      return .ownedByAnotherAccount(originalTransactionId: error.originalTransactionId ?? "")
    }
    return .backend(status: status, code: error.code, message: error.message)
  }
}

/// Errors of the REST API (`{ code, message, details, hint }`: supabase-swift's `PostgrestError`,
/// which carries no HTTP status), classified by their code as PostgREST itself maps codes to
/// statuses (docs.postgrest.org, "Errors"), so they are worded like any other answer.
public enum PostgrestErrorMapping {
  public static func error(code: String?, message: String) -> BridgeError {
    let status = status(forCode: code ?? "")
    let backendCode: BackendErrorCode = status == 401 ? .unauthorized : status >= 500 ? .internalError : .unrecognized
    return .backend(status: status, code: backendCode, message: message)
  }

  /// The HTTP status PostgREST answers with for `code`.
  public static func status(forCode code: String) -> Int {
    switch code {
    case "PGRST000", "PGRST001", "PGRST002":  // cannot reach the database, schema cache not loaded
      return 503
    case "PGRST003":  // timed out waiting for a database connection
      return 504
    case "PGRST300":  // the server's JWT secret is missing
      return 500
    case "PGRST301", "PGRST302", "PGRST303":  // invalid or expired JWT, anonymous access refused
      return 401
    case "42501":  // insufficient privilege (PostgREST: 401 anonymous, 403 signed in)
      return 403
    case "53400":  // configuration limit exceeded
      return 500
    default:
      break
    }
    switch code.prefix(2) {
    case "08", "53":  // connection exception, insufficient resources
      return 503
    case "28", "0L", "0P":  // invalid authorization, grantor or role
      return 403
    case "09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "XX":
      return 500
    default:
      return 400
    }
  }
}
