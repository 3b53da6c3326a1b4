// The one way the web app writes a calendar day ("December 29, 2026"): renewal dates, access-until
// dates and receipts all go through here, so two dates on one page can never disagree.
//
// In the reader's own time zone: a period ends at an instant (Stripe's current_period_end, Apple's
// expiresDate), and the day it falls on is the day where the reader is. (Before, the order summary
// and the account card's facts used UTC and the card's summary line used the browser's zone: an
// evening in California showed one day in the headline and the next in the facts below it.)

/** "December 29, 2026" for an instant, in `timeZone` (default: the browser's). */
export function formatDay(date: Date | string, locale = 'en-US', timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', ...(timeZone ? { timeZone } : {}) }).format(new Date(date));
}
