import { IsNotEmpty, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { DisplayText, EmailField } from '../../common/validation/text';

/** Long enough for any passphrase, short enough that hashing stays cheap to refuse. */
const MAX_PASSWORD_LENGTH = 256;

export class RegisterDto {
  @EmailField() email!: string;

  @IsString() @MinLength(8) @MaxLength(MAX_PASSWORD_LENGTH) password!: string;

  @DisplayText(100) name!: string;
}

export class LoginDto {
  @EmailField() email!: string;

  @IsString() @IsNotEmpty() @MaxLength(MAX_PASSWORD_LENGTH) password!: string;
}

/** Refresh and logout: without `refreshToken`, the httpOnly cookie is used (browser mode). */
export class RefreshTokenDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(512) refreshToken?: string;
}
