import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { LiveProvider } from './lib/live';
import { createQueryClient } from './lib/queries';
import { AppRouter } from './lib/router';
import './styles/index.css';

if ('scrollRestoration' in window.history) window.history.scrollRestoration = 'manual';

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={createQueryClient()}>
      <AppRouter>
        <LiveProvider>
          <App />
        </LiveProvider>
      </AppRouter>
    </QueryClientProvider>
  </StrictMode>,
);
