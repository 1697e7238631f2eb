import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
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
