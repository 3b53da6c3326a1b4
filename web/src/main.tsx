import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { AppProvider } from './app-context.tsx';
import { readConfig } from './config.ts';
import { RouterProvider } from './lib/router.tsx';
import { supabaseFor } from './lib/supabase.ts';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const { config, missing } = readConfig();
if (!config) {
  root.render(
    <main className="page" id="main">
      <h1>Configuration needed</h1>
      <p>Set {missing.join(', ')} in the web app's environment and rebuild.</p>
    </main>,
  );
} else {
  root.render(
    <StrictMode>
      <AppProvider config={config} supabase={supabaseFor(config)}>
        <RouterProvider>
          <App />
        </RouterProvider>
      </AppProvider>
    </StrictMode>,
  );
}
