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
  /// Main-actor isolated: it presents UI and reads the key window (`ASPresentationAnchor` is a
  /// `UIWindow`). AuthenticationServices calls its delegate on the main thread, through
  /// Objective-C protocols that promise no isolation: the delegate methods are `nonisolated`, take
  /// out the Sendable parts, and enter the main actor with `MainActor.assumeIsolated` (which traps
  /// if that promise were ever broken, instead of racing).
  ///
  /// One request at a time (`PendingRequest`): a second tap while Apple's sheet is up is refused
  /// (`RequestAlreadyInProgress`, shown as nothing), never left waiting forever.
  @MainActor
  public final class AppleIDAuthorizer: NSObject, AppleIDAuthorizing {
    private let requests = PendingRequest<AppleIDCredential>()
    /// The controller of the pending request, kept alive until it answers, and its token: a late
    /// callback from another controller cannot answer the current request.
    private var controllers: [ObjectIdentifier: (controller: ASAuthorizationController, token: PendingRequest<AppleIDCredential>.Token)] = [:]
    private var anchor: ASPresentationAnchor?

    public nonisolated override init() {
      super.init()
    }

    public func authorize(hashedNonce: String) async throws -> AppleIDCredential {
      guard !requests.isPending else { throw RequestAlreadyInProgress() }
      let request = ASAuthorizationAppleIDProvider().createRequest()
      AppleIDAuthorizer.configure(request, hashedNonce: hashedNonce)
      let controller = ASAuthorizationController(authorizationRequests: [request])
      controller.delegate = self
      controller.presentationContextProvider = self
      anchor = AppleIDAuthorizer.keyWindow()
      return try await requests.run { token in
        controllers[ObjectIdentifier(controller)] = (controller, token)
        controller.performRequests()
      }
    }

    /// Also used by `SignInWithAppleButton`'s `onRequest`.
    public nonisolated static func configure(_ request: ASAuthorizationAppleIDRequest, hashedNonce: String) {
      request.requestedScopes = [.fullName, .email]
      request.nonce = hashedNonce
    }

    /// Extracts the token and the (first-time only) name from an authorization.
    public nonisolated static func credential(from authorization: ASAuthorization) throws -> AppleIDCredential {
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

    private static func keyWindow() -> UIWindow? {
      UIApplication.shared.connectedScenes
        .compactMap { $0 as? UIWindowScene }
        .flatMap(\.windows)
        .first(where: \.isKeyWindow)
    }

    private func finish(_ controller: ObjectIdentifier, with result: Result<AppleIDCredential, Error>) {
      guard let entry = controllers.removeValue(forKey: controller) else { return }
      requests.complete(entry.token, with: result)
    }
  }

  extension AppleIDAuthorizer: ASAuthorizationControllerDelegate {
    public nonisolated func authorizationController(
      controller: ASAuthorizationController, didCompleteWithAuthorization authorization: ASAuthorization
    ) {
      let result = Result { try AppleIDAuthorizer.credential(from: authorization) }
      let id = ObjectIdentifier(controller)
      MainActor.assumeIsolated { self.finish(id, with: result) }
    }

    public nonisolated func authorizationController(controller: ASAuthorizationController, didCompleteWithError error: Error) {
      let id = ObjectIdentifier(controller)
      MainActor.assumeIsolated { self.finish(id, with: .failure(error)) }
    }
  }

  extension AppleIDAuthorizer: ASAuthorizationControllerPresentationContextProviding {
    public nonisolated func presentationAnchor(for controller: ASAuthorizationController) -> ASPresentationAnchor {
      MainActor.assumeIsolated {
        // Captured in `authorize` before the sheet was requested; the key window otherwise.
        self.anchor ?? AppleIDAuthorizer.keyWindow() ?? ASPresentationAnchor()
      }
    }
  }
#endif
