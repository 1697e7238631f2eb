import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { createHttpValidationPipe } from './common/validation/validation.pipe';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { ProjectsModule } from './projects/projects.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisModule } from './redis/redis.module';
import { TasksModule } from './tasks/tasks.module';
import { ThrottlingModule } from './throttling/throttling.module';
import { WebAppModule } from './web/web-app.module';

@Module({
  imports: [
    ConfigModule,
    EventEmitterModule.forRoot(),
    ObservabilityModule,
    RedisModule,
    ThrottlingModule,
    DatabaseModule,
    AuthModule,
    ProjectsModule,
    TasksModule,
    RealtimeModule,
    HealthModule,
    WebAppModule.register(),
  ],
  providers: [
    // Registered here, not in main.ts, so the testing module behaves exactly like production.
    { provide: APP_PIPE, useFactory: createHttpValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class AppModule {}
