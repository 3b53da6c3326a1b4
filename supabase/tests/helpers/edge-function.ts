// The edge-function runner lives with the scripts (npm run dev uses it too).
export * from '../../../scripts/lib/edge-functions.ts';
