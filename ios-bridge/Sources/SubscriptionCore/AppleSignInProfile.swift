import Foundation

/// Apple reveals the person's name only on their very first authorization of the app, and never
/// puts it in the ID token. The app must save it right after that sign-in, or lose it for good:
/// SubscriptionKit writes it to the Supabase user's metadata (`updateUser(data:)`), and the database
/// trigger `private.handle_user_metadata_update` copies it into an empty `profiles.display_name`.
public enum AppleSignInProfile {
  /// The user-metadata keys the profile trigger reads (`full_name`, `given_name`, `family_name`).
  /// Empty when Apple sent no name (every sign-in after the first).
  public static func userMetadata(givenName: String?, familyName: String?) -> [String: String] {
    let given = clean(givenName)
    let family = clean(familyName)
    var metadata: [String: String] = [:]
    if let given { metadata["given_name"] = given }
    if let family { metadata["family_name"] = family }
    let full = [given, family].compactMap { $0 }.joined(separator: " ")
    if !full.isEmpty { metadata["full_name"] = String(full.prefix(100)) }
    return metadata
  }

  private static func clean(_ value: String?) -> String? {
    guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
    return trimmed
  }
}

/// What SubscriptionKit's Apple adapter hands back after a successful authorization.
public struct AppleIDCredential: Equatable, Sendable {
  /// The ID token (JWT) to exchange with Supabase.
  public let identityToken: String
  public let givenName: String?
  public let familyName: String?
  /// Single-use code for Apple's token endpoint: account deletion sends it so the backend can
  /// revoke the person's Apple tokens, as Apple requires.
  public let authorizationCode: String?

  public init(identityToken: String, givenName: String?, familyName: String?, authorizationCode: String? = nil) {
    self.identityToken = identityToken
    self.givenName = givenName
    self.familyName = familyName
    self.authorizationCode = authorizationCode
  }
}
