import Foundation
import Supabase
import SubscriptionCore

#if canImport(AuthenticationServices)
  import AuthenticationServices
#endif

/// Translates errors from supabase-swift and Apple's frameworks into `BridgeError`.
enum BridgeErrorMapper {
  static func map(_ error: Error) -> BridgeError {
    if let bridge = error as? BridgeError { return bridge }
    if error is CancellationError { return .cancelled }
    if let auth = error as? AuthError {
      if case .sessionMissing = auth { return .notSignedIn }
      return .auth(code: auth.errorCode.rawValue, message: auth.message)
    }
    if let functions = error as? FunctionsError {
      // `if case` rather than a switch: supabase-swift may add cases in a minor release.
      if case let .httpError(code, data) = functions {
        return BackendErrorMapping.error(status: code, body: data)
      }
      return .network
    }
    #if canImport(AuthenticationServices)
      if let authorization = error as? ASAuthorizationError, authorization.code == .canceled {
        return .cancelled
      }
    #endif
    if let url = error as? URLError {
      return url.code == .cancelled ? .cancelled : .network
    }
    return .unexpected(String(describing: error))
  }
}
