import Foundation
import SubscriptionCore
import SubscriptionKit

#if canImport(UIKit) && canImport(GoogleSignIn)
  // GoogleSignIn-iOS is Objective-C without concurrency annotations (no NS_SWIFT_UI_ACTOR or
  // NS_SWIFT_SENDABLE in its 9.x public headers): its classes are not Sendable.
  @preconcurrency import GoogleSignIn
  import UIKit

  /// Google sign-in with GoogleSignIn-iOS 9+, which passes the app's nonce into the ID token so
  /// Supabase can verify it (the backend may then turn `skip_nonce_check` off for Google).
  ///
  /// Configuration comes from Info.plist as Google's SDK expects: `GIDClientID` (the iOS OAuth
  /// client) and the reversed client id as a URL scheme; see docs/ios.md.
  public struct GoogleSignInProvider: GoogleIDTokenProviding {
    /// One Google sign-in at a time: a second tap while Google's sheet is up is refused.
    @MainActor private static let requests = PendingRequest<GoogleIDToken>()

    public init() {}

    @MainActor
    public func signIn(hashedNonce: String) async throws -> GoogleIDToken {
      guard let presenter = Self.topViewController() else {
        throw GoogleSignInProviderError.noPresentingViewController
      }
      let requests = Self.requests
      return try await requests.run { token in
        // The completion-handler API, not its async import: that one would return the
        // non-Sendable GIDSignInResult into this main-actor function. Google calls the handler on
        // the main queue (GIDSignIn.h); only Strings leave it.
        GIDSignIn.sharedInstance.signIn(
          withPresenting: presenter, hint: nil, additionalScopes: nil, nonce: hashedNonce
        ) { result, error in
          let outcome = GoogleSignInProvider.token(from: result, error: error)
          MainActor.assumeIsolated {
            _ = requests.complete(token, with: outcome)
          }
        }
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

    /// The Sendable part of Google's answer.
    static func token(from result: GIDSignInResult?, error: Error?) -> Result<GoogleIDToken, Error> {
      if let error {
        if let google = error as? GIDSignInError, google.code == .canceled {
          return .failure(CancellationError())
        }
        return .failure(error)
      }
      guard let user = result?.user, let idToken = user.idToken?.tokenString else {
        return .failure(GoogleSignInProviderError.noIDToken)
      }
      return .success(GoogleIDToken(idToken: idToken, accessToken: user.accessToken.tokenString))
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
