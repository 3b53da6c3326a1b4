// /continue — where "Subscribe on the web" in the iOS app lands (see handoff.ts). Redeems the link's
// code once, signs the browser in as the app's account, and goes on to /subscribe. If another
// account is signed in here, it asks before switching (the link is not used until then); a used or
// expired link says to tap the button in the app again.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp } from '../app-context.tsx';
import { FunctionError } from '../lib/functions.ts';
import { useRouter } from '../lib/router.tsx';
import { Button, ButtonLink } from '../ui/Button.tsx';
import { Notice } from '../ui/Notice.tsx';
import { Page } from '../ui/Page.tsx';
import { Spinner } from '../ui/Spinner.tsx';
import { exchangeHandoff, takeHandoffCode } from './handoff.ts';

type State =
  | { kind: 'working' }
  | { kind: 'other-account'; email: string }
  | { kind: 'expired' }
  | { kind: 'missing' }
  | { kind: 'failed'; message: string };

const NEXT = '/subscribe';

export default function HandoffPage() {
  const { config, supabase } = useApp();
  const { navigate } = useRouter();
  const [state, setState] = useState<State>({ kind: 'working' });
  const [code, setCode] = useState(takeHandoffCode);
  const redeemed = useRef<string | null | undefined>(undefined);

  const run = useCallback(async (signOutFirst: boolean) => {
    if (!code) return setState({ kind: 'missing' });
    setState({ kind: 'working' });
    try {
      // Only this browser's session ends (scope local): the person's other devices stay signed in.
      if (signOutFirst) await supabase.auth.signOut({ scope: 'local' });
      const { data } = await supabase.auth.getSession();
      const answer = await exchangeHandoff(config, code, data.session?.access_token);
      if (answer.status === 'sign_in') {
        const { error } = await supabase.auth.verifyOtp({ token_hash: answer.token_hash, type: answer.type });
        if (error) return setState(error.code === 'otp_expired' ? { kind: 'expired' } : { kind: 'failed', message: error.message });
      }
      navigate(NEXT, true);
    } catch (error) {
      if (!(error instanceof FunctionError)) throw error;
      if (error.code === 'signed_in_as_another_account') {
        const { data } = await supabase.auth.getSession();
        return setState({ kind: 'other-account', email: data.session?.user.email ?? 'another account' });
      }
      if (error.code === 'link_expired') return setState({ kind: 'expired' });
      if (error.code === 'invalid_request') return setState({ kind: 'missing' });
      setState({ kind: 'failed', message: error.message });
    }
  }, [code, config, supabase, navigate]);

  // Once per link (React may run effects twice).
  useEffect(() => {
    if (redeemed.current === code) return;
    redeemed.current = code;
    void run(false);
  }, [code, run]);

  // A new link opened in a tab that is already on this page arrives as a fragment change.
  useEffect(() => {
    const onHashChange = () => setCode(takeHandoffCode());
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  switch (state.kind) {
    case 'working':
      return (
        <Page title="Continuing from the app">
          <Spinner label="Signing you in…" />
        </Page>
      );
    case 'other-account':
      return (
        <Page title="Switch accounts?" description="The link from the app signs you in with the account you use in the app.">
          <Notice
            tone="warning"
            title={`You are signed in here as ${state.email}.`}
            actions={(
              <>
                <Button variant="primary" onClick={() => void run(true)}>Sign out and continue</Button>
                <ButtonLink to="/account">Stay signed in</ButtonLink>
              </>
            )}
          >
            To subscribe for the account you use in the app, sign out of this one here first. Your other devices stay signed in.
          </Notice>
        </Page>
      );
    case 'expired':
    case 'missing':
      return (
        <Page title={state.kind === 'expired' ? 'This link no longer works' : 'This link is incomplete'}>
          <Notice tone="info" actions={<ButtonLink to={`/sign-in?next=${encodeURIComponent(NEXT)}`}>Sign in here instead</ButtonLink>}>
            Links from the app work once, for five minutes. Go back to the app and tap the button to subscribe on the web again.
          </Notice>
        </Page>
      );
    case 'failed':
      return (
        <Page title="We could not sign you in">
          <Notice tone="error" actions={<Button variant="primary" onClick={() => void run(false)}>Try again</Button>}>
            {state.message}
          </Notice>
        </Page>
      );
  }
}
