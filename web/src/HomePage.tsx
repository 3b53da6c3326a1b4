import { useApp } from './app-context.tsx';
import { formatPrice } from './domain/subscription.ts';
import { Link } from './lib/router.tsx';
import { Page } from './ui/components.tsx';

export default function HomePage() {
  const { config } = useApp();
  return (
    <Page title="Pass your certification, on any device">
      <p>One account on the web and on your iPhone. One subscription, wherever you bought it.</p>
      <Link className="button button--primary" to="/subscribe">Go Premium — {formatPrice(config.price.amount, config.price.currency, config.price.interval)}</Link>
    </Page>
  );
}
