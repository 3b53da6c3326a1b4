import Foundation

/// A Google ID token for Supabase's `signInWithIdToken(provider: .google)`.
public struct GoogleIDToken: Equatable, Sendable {
  public let idToken: String
  /// Supabase checks it against the token's `at_hash` claim when Google includes one.
  public let accessToken: String?

  public init(idToken: String, accessToken: String?) {
    self.idToken = idToken
    self.accessToken = accessToken
  }
}

/// Google sign-in, kept behind a protocol so SubscriptionKit builds without Google's SDK.
/// `SubscriptionKitGoogle.GoogleSignInProvider` implements it with GoogleSignIn-iOS 9.
public protocol GoogleIDTokenProviding: Sendable {
  /// Shows Google's sign-in and returns an ID token whose `nonce` claim is `hashedNonce`.
  @MainActor func signIn(hashedNonce: String) async throws -> GoogleIDToken
  /// Forgets Google's own session, so the next sign-in can pick another Google account.
  @MainActor func signOut()
}
