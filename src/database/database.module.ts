import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import mongoose from 'mongoose';
import { AppConfig } from '../config/app-config';
import { databaseUri } from './embedded/embedded-database';
import { EmbeddedDatabaseModule } from './embedded/embedded-database.module';
import { EmbeddedDatabaseService } from './embedded/embedded-database.service';

// Defence in depth behind DTO validation: operator objects ({"$ne": ...}) arriving in a filter
// are wrapped in $eq, and filters on unknown paths are dropped rather than sent to the server.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', true);

const EMBEDDED_DATABASE_NAME = 'collabcampus';

@Module({
  imports: [
    MongooseModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [AppConfig, EmbeddedDatabaseService],
      useFactory: async (config: AppConfig, embedded: EmbeddedDatabaseService) => ({
        uri: config.mongodbUri ?? databaseUri(await embedded.start(), EMBEDDED_DATABASE_NAME),
        serverSelectionTimeoutMS: 5_000,
      }),
    }),
  ],
})
export class DatabaseModule {}
