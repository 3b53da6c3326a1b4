import { Page } from '../ui/components.tsx';
import { RequireSubscription } from './gates.tsx';

/** The example of a gated page: everything behind the subscription lives behind RequireSubscription. */
export default function PremiumPage() {
  return (
    <RequireSubscription>
      <Page title="Premium">
        <p>Welcome to Premium: every practice exam, every explanation, on the web and on your iPhone.</p>
      </Page>
    </RequireSubscription>
  );
}
