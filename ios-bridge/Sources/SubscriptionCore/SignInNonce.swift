import Foundation

/// The nonce that binds a native ID token to this sign-in attempt.
///
/// Apple (and Google Sign-In 9+) put whatever the app passes into the ID token's `nonce` claim;
/// Supabase Auth hashes the value given to `signInWithIdToken` and compares. So the provider gets
/// `sha256Hex` and Supabase gets `raw`: a token stolen from this attempt is useless without the raw
/// value, which never leaves the app until the exchange.
public struct SignInNonce: Equatable, Sendable {
  public static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-._")

  public let raw: String

  public var sha256Hex: String { SHA256Digest.hex(raw) }

  public init(raw: String) {
    self.raw = raw
  }

  /// 32 characters from a 65-character alphabet (~190 bits). `SystemRandomNumberGenerator` is the
  /// platform's cryptographic generator; `randomElement(using:)` draws without modulo bias.
  public static func random(length: Int = 32) -> SignInNonce {
    var generator = SystemRandomNumberGenerator()
    return random(length: length, using: &generator)
  }

  public static func random<G: RandomNumberGenerator>(length: Int = 32, using generator: inout G) -> SignInNonce {
    precondition(length >= 16, "A nonce shorter than 16 characters is guessable")
    var characters: [Character] = []
    characters.reserveCapacity(length)
    for _ in 0..<length {
      characters.append(alphabet.randomElement(using: &generator)!)
    }
    return SignInNonce(raw: String(characters))
  }
}
