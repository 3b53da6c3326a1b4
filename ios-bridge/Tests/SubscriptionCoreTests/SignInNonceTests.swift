import XCTest

@testable import SubscriptionCore

final class SignInNonceTests: XCTestCase {
  func testSHA256MatchesTheStandardVectors() {
    XCTAssertEqual(SHA256Digest.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(SHA256Digest.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256Digest.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    XCTAssertEqual(
      SHA256Digest.hex(String(repeating: "a", count: 1_000_000)),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  func testProviderGetsTheHashAndSupabaseTheRawValue() {
    let nonce = SignInNonce(raw: "abc")
    XCTAssertEqual(nonce.sha256Hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertNotEqual(nonce.sha256Hex, nonce.raw)
  }

  func testRandomNoncesAreLongFromTheAlphabetAndDistinct() {
    let nonces = (0..<200).map { _ in SignInNonce.random() }
    XCTAssertEqual(Set(nonces.map(\.raw)).count, 200)
    for nonce in nonces {
      XCTAssertEqual(nonce.raw.count, 32)
      XCTAssertTrue(nonce.raw.allSatisfy(SignInNonce.alphabet.contains))
    }
    // Every character of the alphabet shows up: no character is left out (Apple's sample skipped "W").
    XCTAssertEqual(Set(nonces.flatMap(\.raw)), Set(SignInNonce.alphabet))
  }

  func testAppleNameBecomesProfileMetadata() {
    XCTAssertEqual(
      AppleSignInProfile.userMetadata(givenName: " Ada ", familyName: "Lovelace"),
      ["given_name": "Ada", "family_name": "Lovelace", "full_name": "Ada Lovelace"])
    XCTAssertEqual(AppleSignInProfile.userMetadata(givenName: "Ada", familyName: nil), ["given_name": "Ada", "full_name": "Ada"])
    // Every sign-in after the first: no name, nothing to write (and nothing overwritten).
    XCTAssertEqual(AppleSignInProfile.userMetadata(givenName: nil, familyName: "  "), [:])
  }
}
