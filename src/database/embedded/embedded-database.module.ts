import { Module } from '@nestjs/common';
import { EmbeddedDatabaseService } from './embedded-database.service';

@Module({ providers: [EmbeddedDatabaseService], exports: [EmbeddedDatabaseService] })
export class EmbeddedDatabaseModule {}
