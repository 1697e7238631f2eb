import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** `auth:refresh`. */
export class RefreshSocketTokenDto {
  @IsString() @IsNotEmpty() @MaxLength(4096) token!: string;
}
