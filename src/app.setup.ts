import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { answerBodyErrors, rejectPrototypeKeys, requireJsonBodies } from './common/http/json-body';
import { AppConfig } from './config/app-config';
import { TRUSTED_PROXY_HOPS } from './common/http/client-ip';
import { SecureIoAdapter } from './realtime/secure-io.adapter';

/**
 * What cannot be a provider: the route prefix, proxy trust, body parsing, CORS and the Socket.IO
 * adapter. Shared by main.ts and the
 * e2e tests so both run the same application.
 */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  app.setGlobalPrefix('api');
  // Only behind a proxy we control may X-Forwarded-For name the client (per-IP limits depend on it).
  // One hop: the address our proxy saw (the last entry), not the first one, which the client wrote.
  app.set('trust proxy', config.trustProxy ? TRUSTED_PROXY_HOPS : false);
  app.disable('x-powered-by');
  // Security headers on every answer; the policy fits the web app, which loads only its own
  // scripts and styles and talks only to its own origin (REST and the Socket.IO WebSocket).
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          connectSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          styleSrc: ["'self'"],
          scriptSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          // TLS is the proxy's business (see the nginx template), not a rewrite in the browser.
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  app.use('/api', requireJsonBodies);
  // Only the refresh cookie is read, on the auth routes (see RefreshCookie).
  app.use('/api/auth', cookieParser());
  app.useBodyParser('json', { reviver: rejectPrototypeKeys });
  app.use(answerBodyErrors);
  app.enableCors({
    origin: config.cors.anyOrigin ? true : [...config.cors.origins],
    credentials: true,
  });
  app.useWebSocketAdapter(new SecureIoAdapter(app));
}
