// What Premium includes, as the order summary and the empty account state list it.
export const PREMIUM_INCLUDES = [
  'Every practice exam, for every certification',
  'A clear explanation for every answer',
  'Your progress, synced between the web and your iPhone',
] as const;

/** "CertGames Premium" from the brand and Stripe's product name ("Premium"), without saying the brand twice. */
export function productTitle(brandName: string, productName: string): string {
  return productName.toLowerCase().startsWith(brandName.toLowerCase()) ? productName : `${brandName} ${productName}`;
}
