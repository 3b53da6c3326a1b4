import { APPLE_MANAGE_URL } from '../domain/subscription.ts';
import { useRouter } from '../lib/router.tsx';
import { Alert, Page } from '../ui/components.tsx';

/** After account deletion: what, if anything, the person still has to do themselves. */
export default function GoodbyePage() {
  const { location } = useRouter();
  return (
    <Page title="Your account was deleted">
      <p>Your account and its data are gone. Thank you for having been with us.</p>
      {location.search.get('app_store') === 'active' && (
        <Alert tone="warning">
          Your App Store subscription is billed by Apple and continues until you cancel it: Settings › your name › Subscriptions.{' '}
          <a href={APPLE_MANAGE_URL} target="_blank" rel="noreferrer">Manage in the App Store</a>
        </Alert>
      )}
    </Page>
  );
}
