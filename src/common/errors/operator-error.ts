/**
 * A failure whose message tells the operator what to change (a bad setting, a missing
 * dependency). It carries no stack trace, so a failed boot prints one readable line.
 */
export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.stack = undefined;
  }
}
