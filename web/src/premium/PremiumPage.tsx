// The premium example: one exam's practice questions, read from the database as whoever is here.
// The page never decides what is premium: signed out or unsubscribed, the database returns only the
// free questions (RLS on public.practice_questions); entitled, it returns all of them. The page only
// chooses what to offer next (sign in, subscribe) from the person's subscription row.
import { useCallback, useEffect, useState } from 'react';
import { useApp } from '../app-context.tsx';
import { signInPath, subscribePath } from '../domain/redirects.ts';
import { here, Link, useRouter } from '../lib/router.tsx';
import { useSubscription } from '../subscription/useSubscription.ts';
import { Button, ButtonLink, Card, Notice, Page, PageSkeleton } from '../ui/components.tsx';
import { choiceLetter, EXAMS, fetchQuestions, PAGE_SIZE, type PracticeQuestion } from './questions.ts';
import './premium.css';

const PREMIUM_PATH = '/premium';

interface Loaded {
  exam: string;
  questions: PracticeQuestion[];
  /** The last page was full: there may be more. */
  more: boolean;
}

export default function PremiumPage() {
  const { supabase, user, loading: sessionLoading } = useApp();
  const { location } = useRouter();
  const { row, loading: subscriptionLoading } = useSubscription();
  const exam = location.search.get('exam') ?? EXAMS[0].code;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);

  // Read again when the exam or the person changes (signing in may unlock rows).
  useEffect(() => {
    if (sessionLoading) return;
    let live = true;
    setLoaded(null);
    setError(false);
    fetchQuestions(supabase, exam).then(
      (questions) => live && setLoaded({ exam, questions, more: questions.length === PAGE_SIZE }),
      () => live && setError(true),
    );
    return () => {
      live = false;
    };
  }, [supabase, exam, user?.id, sessionLoading]);

  const loadMore = useCallback(async () => {
    if (!loaded) return;
    setLoadingMore(true);
    try {
      const next = await fetchQuestions(supabase, loaded.exam, loaded.questions.at(-1)?.position ?? 0);
      setLoaded({ ...loaded, questions: [...loaded.questions, ...next], more: next.length === PAGE_SIZE });
    } catch {
      setError(true);
    } finally {
      setLoadingMore(false);
    }
  }, [supabase, loaded]);

  if (sessionLoading || (user && subscriptionLoading) || (!loaded && !error)) return <PageSkeleton label="Loading questions…" />;

  const entitled = row?.is_active === true;
  // Back to exactly this page (and exam) after signing in or subscribing.
  const back = here(location);
  const examName = EXAMS.find((e) => e.code === exam)?.name ?? exam;

  return (
    <Page title="Premium" documentTitle={`${examName} practice questions`} width="default"
      description={entitled ? undefined : 'Free sample questions, open to everyone. Premium unlocks all of them.'}>
      {entitled && <Notice tone="success">Welcome to Premium: every practice exam, every explanation, on the web and on your iPhone.</Notice>}
      <nav className="exam-tabs" aria-label="Exams">
        {EXAMS.map((e) => (
          <Link key={e.code} to={`${PREMIUM_PATH}?exam=${e.code}`} className="exam-tabs__tab" aria-current={e.code === exam ? 'page' : undefined}>{e.name}</Link>
        ))}
      </nav>
      {error && <Notice tone="error">We could not load the questions. Please reload the page.</Notice>}
      {loaded && (
        <section aria-labelledby="exam-heading">
          <h2 id="exam-heading">{examName}</h2>
          {loaded.questions.length === 0
            ? <p>No questions for this exam yet.</p>
            : (
              <ol className="questions">
                {loaded.questions.map((q) => <QuestionItem key={q.position} question={q} />)}
              </ol>
            )}
          {loaded.more && <Button onClick={loadMore} busy={loadingMore} busyLabel="Loading…">More questions</Button>}
        </section>
      )}
      {!entitled && (
        <Card title="Unlock every question" description="Every practice exam, every explanation, on the web and on your iPhone."
          actions={user
            ? <ButtonLink to={subscribePath(back)} variant="primary">Go Premium</ButtonLink>
            : <ButtonLink to={signInPath(back)} variant="primary">Sign in to go Premium</ButtonLink>}
        />
      )}
    </Page>
  );
}

function QuestionItem({ question: q }: { question: PracticeQuestion }) {
  return (
    <li className="question card" data-testid="question">
      <p className="question__meta">
        Question {q.position}
        {q.is_premium && <span className="question__badge">Premium</span>}
      </p>
      <p className="question__text">{q.question}</p>
      <ol className="question__choices">
        {q.choices.map((choice, i) => (
          <li key={i}><span className="question__letter" aria-hidden="true">{choiceLetter(i)}</span>{choice}</li>
        ))}
      </ol>
      <details className="question__answer">
        <summary>Show the answer</summary>
        <p><strong>{choiceLetter(q.answer)}. {q.choices[q.answer]}</strong></p>
        <p>{q.explanation}</p>
      </details>
    </li>
  );
}
