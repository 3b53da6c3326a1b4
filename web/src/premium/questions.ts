// Practice questions, read straight from public.practice_questions through supabase-js: the
// database's policy decides which rows come back (free ones for everyone, all of them for people
// with an entitled subscription), so nothing premium ever reaches a browser that may not show it.
import type { Row, SupabaseClient } from '../lib/supabase.ts';

/**
 * A row of public.practice_questions as the page selects it (no id), with `choices` narrowed from
 * jsonb to what the table's check constraint guarantees: an array of strings.
 */
export type PracticeQuestion = Omit<Row<'practice_questions'>, 'id' | 'choices'> & { choices: string[] };

/** The exams the page offers; the questions themselves live only in the database. */
export const EXAMS: readonly { code: string; name: string }[] = [
  { code: 'security-plus', name: 'CompTIA Security+' },
  { code: 'network-plus', name: 'CompTIA Network+' },
];

export const PAGE_SIZE = 20;

const COLUMNS = 'exam_code,position,question,choices,answer,explanation,is_premium';

/**
 * The next page of one exam's questions the caller may read, after `afterPosition` (keyset
 * paging: the query the database index and the benchmark are built for).
 */
export async function fetchQuestions(supabase: SupabaseClient, examCode: string, afterPosition = 0): Promise<PracticeQuestion[]> {
  const { data, error } = await supabase
    .from('practice_questions')
    .select(COLUMNS)
    .eq('exam_code', examCode)
    .gt('position', afterPosition)
    .order('position')
    .limit(PAGE_SIZE);
  if (error) throw new Error(error.message);
  return data.map((row) => ({ ...row, choices: row.choices as string[] }));
}

/** "A", "B", … for a choice's index. */
export function choiceLetter(index: number): string {
  return String.fromCharCode(65 + index);
}
