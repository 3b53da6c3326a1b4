import Foundation
import SubscriptionKit

#if canImport(UIKit) && canImport(GoogleSignIn)
  import GoogleSignIn
  import UIKit

  /// Google sign-in with GoogleSignIn-iOS 9+, which passes the app's nonce into the ID token so
  /// Supabase can verify it (the backend may then turn `skip_nonce_check` off for Google).
  ///
  /// Configuration comes from Info.plist as Google's SDK expects: `GIDClientID` (the iOS OAuth
  /// client) and the reversed client id as a URL scheme; see docs/ios.md.
  public struct GoogleSignInProvider: GoogleIDTokenProviding {
    public init() {}

    @MainActor
    public func signIn(hashedNonce: String) async throws -> GoogleIDToken {
      guard let presenter = Self.topViewController() else {
        throw GoogleSignInProviderError.noPresentingViewController
      }
      do {
        let result = try await GIDSignIn.sharedInstance.signIn(
          withPresenting: presenter, hint: nil, additionalScopes: nil, nonce: hashedNonce)
        guard let idToken = result.user.idToken?.tokenString else {
          throw GoogleSignInProviderError.noIDToken
        }
        return GoogleIDToken(idToken: idToken, accessToken: result.user.accessToken.tokenString)
      } catch let error as GIDSignInError where error.code == .canceled {
        throw CancellationError()
      }
    }

    @MainActor
    public func signOut() {
      GIDSignIn.sharedInstance.signOut()
    }

    /// For `.onOpenURL`: Google's redirect back into the app.
    @MainActor
    public static func handle(_ url: URL) -> Bool {
      GIDSignIn.sharedInstance.handle(url)
    }

    @MainActor
    private static func topViewController() -> UIViewController? {
      let window = UIApplication.shared.connectedScenes
        .compactMap { $0 as? UIWindowScene }
        .flatMap(\.windows)
        .first(where: \.isKeyWindow)
      var top = window?.rootViewController
      while let presented = top?.presentedViewController { top = presented }
      return top
    }
  }

  public enum GoogleSignInProviderError: Error {
    case noPresentingViewController
    case noIDToken
  }
#endif
