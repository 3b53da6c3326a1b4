import { APPLE_MANAGE_URL } from '../domain/subscription.ts';
import { useRouter } from '../lib/router.tsx';
import { ButtonAnchor, ButtonLink } from '../ui/Button.tsx';
import { Notice } from '../ui/Notice.tsx';
import { Page } from '../ui/Page.tsx';

/** After account deletion: what, if anything, the person still has to do themselves. */
export default function GoodbyePage() {
  const { location } = useRouter();
  return (
    <Page title="Your account was deleted" description="Your account and its data are gone. Thank you for having been with us." width="narrow">
      {location.search.get('app_store') === 'active' && (
        <Notice tone="warning" title="Your App Store subscription is still active"
          actions={<ButtonAnchor href={APPLE_MANAGE_URL} newTab variant="secondary">Manage in the App Store</ButtonAnchor>}>
          It is billed by Apple and continues until you cancel it: Settings › your name › Subscriptions.
        </Notice>
      )}
      <ButtonLink to="/" variant="secondary">Go to the home page</ButtonLink>
    </Page>
  );
}
