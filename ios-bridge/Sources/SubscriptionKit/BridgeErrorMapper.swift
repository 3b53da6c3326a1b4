import Foundation
import Supabase
import SubscriptionCore

#if canImport(AuthenticationServices)
  import AuthenticationServices
#endif

/// Translates errors from supabase-swift and Apple's frameworks into `BridgeError`.
enum BridgeErrorMapper {
  static func map(_ error: Error) -> BridgeError {
    if let known = BridgeError.known(error) { return known }
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
    // The REST API (`client.from(…)`): PostgREST's error body, classified by its code.
    if let postgrest = error as? PostgrestError {
      return PostgrestErrorMapping.error(code: postgrest.code, message: postgrest.message)
    }
    // The REST API when the body is not PostgREST's (a gateway's 502, an HTML page): its status.
    if let http = error as? HTTPError {
      return BackendErrorMapping.error(status: http.response.statusCode, body: http.data)
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
