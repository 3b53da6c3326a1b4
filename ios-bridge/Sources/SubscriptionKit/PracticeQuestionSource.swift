import Foundation
import Supabase
import SubscriptionCore

/// Reads practice questions through the REST API as whoever is signed in (or anonymously). The
/// database's policy returns only the rows they may read, so premium questions never reach a device
/// that may not show them. Read again when `EntitlementService.state` changes: a purchase or a
/// renewal unlocks rows at once, an expiry or a refund closes them.
public protocol PracticeQuestionSource: Sendable {
  /// One page of an exam's questions, after `afterPosition` (0 for the first page).
  func questions(examCode: String, after afterPosition: Int) async throws -> [PracticeQuestion]
}

public struct SupabasePracticeQuestionSource: PracticeQuestionSource {
  private let client: SupabaseClient

  public init(client: SupabaseClient) {
    self.client = client
  }

  public func questions(examCode: String, after afterPosition: Int) async throws -> [PracticeQuestion] {
    // GET /rest/v1/practice_questions?select=*&exam_code=eq.…&position=gt.…&order=position.asc&limit=20
    try await client
      .from("practice_questions")
      .select()
      .eq("exam_code", value: examCode)
      .gt("position", value: afterPosition)
      .order("position")
      .limit(PracticeQuestionPage.size)
      .execute()
      .value
  }
}
