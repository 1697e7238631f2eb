import { createClient } from '@collabcampus/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

// The app is served by the API's own origin (or by the dev server, which forwards to it), so
// the refresh cookie and the origin allowlist both fit without configuration.
const client = createClient({ baseUrl: window.location.origin });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
