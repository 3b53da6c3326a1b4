import { Link } from './lib/router.tsx';
import { perInterval } from './subscribe/price.ts';
import { usePrice } from './subscribe/usePrice.ts';
import { Page } from './ui/components.tsx';

export default function HomePage() {
  // The price the subscribe function charges (never a build-time copy of it).
  const { price } = usePrice();
  return (
    <Page title="Pass your certification, on any device">
      <p>One account on the web and on your iPhone. One subscription, wherever you bought it.</p>
      <Link className="button button--primary" to="/subscribe">{price ? `Go Premium — ${perInterval(price)}` : 'Go Premium'}</Link>
    </Page>
  );
}
