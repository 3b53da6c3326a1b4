import Foundation
import SubscriptionCore

#if canImport(AuthenticationServices)
  import AuthenticationServices
#endif
#if canImport(UIKit)
  import UIKit
#endif

/// Runs Sign in with Apple and returns the credential. A protocol so AuthService's flow does not
/// depend on AuthenticationServices directly.
public protocol AppleIDAuthorizing: Sendable {
  /// Presents Apple's sheet for a request carrying `hashedNonce`.
  @MainActor func authorize(hashedNonce: String) async throws -> AppleIDCredential
}

#if canImport(AuthenticationServices) && canImport(UIKit)
  /// Sign in with Apple through `ASAuthorizationController`.
  ///
  /// `@unchecked Sendable`: its state is touched only on the main thread — `authorize` is
  /// main-actor isolated and ASAuthorizationController calls its delegate on the main thread.
  public final class AppleIDAuthorizer: NSObject, AppleIDAuthorizing, @unchecked Sendable {
    private var continuation: CheckedContinuation<AppleIDCredential, Error>?
    private var anchor: ASPresentationAnchor?

    public override init() {
      super.init()
    }

    @MainActor
    public func authorize(hashedNonce: String) async throws -> AppleIDCredential {
      let request = ASAuthorizationAppleIDProvider().createRequest()
      AppleIDAuthorizer.configure(request, hashedNonce: hashedNonce)
      let controller = ASAuthorizationController(authorizationRequests: [request])
      controller.delegate = self
      controller.presentationContextProvider = self
      anchor = AppleIDAuthorizer.keyWindow()
      return try await withCheckedThrowingContinuation { continuation in
        self.continuation = continuation
        controller.performRequests()
      }
    }

    /// Also used by `SignInWithAppleButton`'s `onRequest`.
    public static func configure(_ request: ASAuthorizationAppleIDRequest, hashedNonce: String) {
      request.requestedScopes = [.fullName, .email]
      request.nonce = hashedNonce
    }

    /// Extracts the token and the (first-time only) name from an authorization.
    public static func credential(from authorization: ASAuthorization) throws -> AppleIDCredential {
      guard let apple = authorization.credential as? ASAuthorizationAppleIDCredential,
        let tokenData = apple.identityToken,
        let token = String(data: tokenData, encoding: .utf8)
      else {
        throw BridgeError.unexpected("Sign in with Apple returned no identity token")
      }
      return AppleIDCredential(
        identityToken: token,
        givenName: apple.fullName?.givenName,
        familyName: apple.fullName?.familyName,
        authorizationCode: apple.authorizationCode.flatMap { String(data: $0, encoding: .utf8) })
    }

    @MainActor
    private static func keyWindow() -> UIWindow? {
      UIApplication.shared.connectedScenes
        .compactMap { $0 as? UIWindowScene }
        .flatMap(\.windows)
        .first(where: \.isKeyWindow)
    }

    private func resume(with result: Result<AppleIDCredential, Error>) {
      continuation?.resume(with: result)
      continuation = nil
    }
  }

  extension AppleIDAuthorizer: ASAuthorizationControllerDelegate {
    public func authorizationController(
      controller: ASAuthorizationController, didCompleteWithAuthorization authorization: ASAuthorization
    ) {
      resume(with: Result { try AppleIDAuthorizer.credential(from: authorization) })
    }

    public func authorizationController(controller: ASAuthorizationController, didCompleteWithError error: Error) {
      resume(with: .failure(error))
    }
  }

  extension AppleIDAuthorizer: ASAuthorizationControllerPresentationContextProviding {
    public func presentationAnchor(for controller: ASAuthorizationController) -> ASPresentationAnchor {
      // Captured on the main actor in `authorize`, before the sheet is requested.
      anchor ?? ASPresentationAnchor()
    }
  }
#endif
