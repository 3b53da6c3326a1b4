import Foundation

/// One row of `public.practice_questions`, read through Supabase's REST API.
///
/// The database decides which rows come back (RLS with `public.has_entitlement()`): the free
/// questions for everyone, all of them for a person whose subscription is entitled in either store.
/// The app never filters premium rows itself; `isPremium` is only for display (a badge), and a
/// purchase unlocks rows on the next read, with no app update.
///
/// The CodingKeys are the table's columns, one for one; `supabase/tests/ios-contract` fails CI when
/// they and the migration disagree.
public struct PracticeQuestion: Codable, Equatable, Sendable, Identifiable {
  public let id: Int64
  /// The exam, e.g. `security-plus`.
  public let examCode: String
  /// Order within the exam (pages are read by position).
  public let position: Int
  public let question: String
  /// The answer choices, in order (2 to 8).
  public let choices: [String]
  /// Index of the correct choice in `choices`.
  public let answer: Int
  public let explanation: String
  public let isPremium: Bool

  enum CodingKeys: String, CodingKey {
    case id
    case examCode = "exam_code"
    case position
    case question
    case choices
    case answer
    case explanation
    case isPremium = "is_premium"
  }

  public init(
    id: Int64, examCode: String, position: Int, question: String, choices: [String], answer: Int,
    explanation: String, isPremium: Bool
  ) {
    self.id = id
    self.examCode = examCode
    self.position = position
    self.question = question
    self.choices = choices
    self.answer = answer
    self.explanation = explanation
    self.isPremium = isPremium
  }

  /// The correct choice's text; nil only if `answer` were outside `choices` (the database forbids it).
  public var correctChoice: String? {
    choices.indices.contains(answer) ? choices[answer] : nil
  }
}

/// How the apps page through one exam: 20 questions at a time, after the last position read
/// (the query `public.practice_questions`' index serves).
public enum PracticeQuestionPage {
  public static let size = 20

  /// The position to read after for the next page, or nil when `page` was the last one.
  public static func nextAfter(_ page: [PracticeQuestion]) -> Int? {
    guard page.count == size, let last = page.last else { return nil }
    return last.position
  }
}
