/**
 * The one error type of clusterca. Every layer throws it; only the CLI's funnel prints it and picks
 * the exit status (SPEC "Output and errors": 1 failure, 2 usage). `message` is the cause, worded to
 * follow "failed to <action>: "; `hint` is the next step, when there is one.
 */
export type ErrorKind = 'usage' | 'failure';

export class CaError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  /** set when the same command with --force would go ahead (the CLI may ask instead) */
  readonly needsForce: boolean;

  constructor(kind: ErrorKind, message: string, hint?: string, needsForce = false) {
    super(message);
    this.name = 'CaError';
    this.kind = kind;
    this.hint = hint;
    this.needsForce = needsForce;
  }
}

/** Bad input from the user: exit status 2, before any work is done. */
export function usageError(message: string, hint?: string): CaError {
  return new CaError('usage', message, hint);
}

/** A command that could not do its job: exit status 1. */
export function failure(message: string, hint?: string): CaError {
  return new CaError('failure', message, hint);
}

/** Something exists that only --force may replace: exit status 1, or a question on a terminal. */
export function alreadyExists(message: string, hint: string): CaError {
  return new CaError('failure', message, hint, true);
}
