import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';

/** Where `vite build` puts the board web app (from `web/`); the same from `src/` and `dist/`. */
export const WEB_APP_ROOT = join(__dirname, '..', '..', 'web', 'dist');

/**
 * The board web app at `/`, on the API's own port, so the default CLIENT_ORIGIN fits it and the
 * refresh cookie is first-party. Any other GET outside the API gets `index.html` (the app routes
 * on its own). `/api` keeps its JSON 404s; Socket.IO answers on its path before Express does.
 */
@Module({})
export class WebAppModule {
  static register(): DynamicModule {
    if (!existsSync(join(WEB_APP_ROOT, 'index.html'))) {
      new Logger(WebAppModule.name).warn(
        `The web app is not built (${WEB_APP_ROOT}): \`npm start\` builds it; the API works without it`,
      );
      return { module: WebAppModule };
    }
    return {
      module: WebAppModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath: WEB_APP_ROOT,
          exclude: ['/api/{*path}', '/socket.io/{*path}'],
          serveStaticOptions: {
            // Vite names assets by content hash: they never change. index.html always may.
            setHeaders: (res: { setHeader(name: string, value: string): void }, path: string) =>
              res.setHeader(
                'Cache-Control',
                path.includes(`${join('dist', 'assets')}`)
                  ? 'public, max-age=31536000, immutable'
                  : 'no-cache',
              ),
          },
        }),
      ],
    };
  }
}
