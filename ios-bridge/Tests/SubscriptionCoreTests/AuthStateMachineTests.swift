import XCTest

@testable import SubscriptionCore

final class AuthStateMachineTests: XCTestCase {
  private let user = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!

  /// supabase-swift emits the Keychain session at launch even when its access token has expired.
  /// Offline the refresh cannot happen: the app must still be signed in as that person (and show
  /// their kept row), not stay on "restoring" until the network returns.
  func testAnExpiredStoredSessionSignsInAtOnce() {
    let expired = SessionSnapshot(userID: user, email: "alex@example.com", isExpired: true)
    XCTAssertEqual(
      AuthStateMachine.next(.restoring, on: .initialSession, session: expired), .signedIn(userID: user, email: "alex@example.com"))
    let fresh = SessionSnapshot(userID: user, email: nil, isExpired: false)
    XCTAssertEqual(AuthStateMachine.next(.restoring, on: .initialSession, session: fresh), .signedIn(userID: user, email: nil))
  }

  func testNoStoredSessionIsSignedOut() {
    XCTAssertEqual(AuthStateMachine.next(.restoring, on: .initialSession, session: nil), .signedOut)
  }

  /// Back online with a revoked refresh token, supabase-swift removes the session and emits signedOut.
  func testARefusedRefreshSignsOut() {
    let signedIn = AuthState.signedIn(userID: user, email: nil)
    XCTAssertEqual(AuthStateMachine.next(signedIn, on: .signedOut, session: nil), .signedOut)
    XCTAssertEqual(AuthStateMachine.next(signedIn, on: .userDeleted, session: nil), .signedOut)
    let refreshed = SessionSnapshot(userID: user, email: "new@example.com", isExpired: false)
    XCTAssertEqual(AuthStateMachine.next(signedIn, on: .tokenRefreshed, session: refreshed), .signedIn(userID: user, email: "new@example.com"))
  }

  func testChoosingANewPasswordSurvivesRefreshesButNotASignIn() {
    let session = SessionSnapshot(userID: user, email: nil, isExpired: false)
    let choosing = AuthStateMachine.next(.signedIn(userID: user, email: nil), on: .passwordRecovery, session: session)
    XCTAssertEqual(choosing, .choosingNewPassword(userID: user))
    XCTAssertEqual(AuthStateMachine.next(choosing, on: .tokenRefreshed, session: session), choosing)
    XCTAssertEqual(AuthStateMachine.next(choosing, on: .userUpdated, session: session), choosing)
    XCTAssertEqual(AuthStateMachine.next(choosing, on: .signedIn, session: session), .signedIn(userID: user, email: nil))
    XCTAssertEqual(choosing.userID, user)
  }

  func testOtherEventsChangeNothing() {
    let signedIn = AuthState.signedIn(userID: user, email: nil)
    XCTAssertEqual(AuthStateMachine.next(signedIn, on: .other, session: nil), signedIn)
    XCTAssertEqual(AuthStateMachine.next(signedIn, on: .tokenRefreshed, session: nil), signedIn)
    XCTAssertNil(AuthState.restoring.userID)
    XCTAssertNil(AuthState.signedOut.userID)
  }
}
