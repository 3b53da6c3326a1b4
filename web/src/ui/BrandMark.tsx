// The brand's logo and name, from config (VITE_BRAND_NAME, VITE_BRAND_LOGO_URL).
import { useApp } from '../app-context.tsx';

export function BrandMark({ size = 28, showName = true }: { size?: number; showName?: boolean }) {
  const { brand } = useApp().config;
  return (
    <span className="brand-mark">
      {/* The name is next to it (or the alt text says it), so the image adds no second announcement. */}
      <img src={brand.logoUrl} width={size} height={size} alt={showName ? '' : brand.name} className="brand-mark__logo" />
      {showName && <span className="brand-mark__name">{brand.name}</span>}
    </span>
  );
}
