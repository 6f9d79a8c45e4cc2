/**
 * The one error type of clusterca. Every layer throws it; only the CLI's funnel prints it and picks
 * the exit status (SPEC "Output and errors": 1 failure, 2 usage), and only the server renders it as
 * an HTTP status. `message` is the cause, worded to follow "failed to <action>: "; `hint` is the
 * next step, when there is one.
 */
/** `interrupted`: the person at the terminal stopped the command (Ctrl-C at a prompt). */
export type ErrorKind = 'usage' | 'failure' | 'interrupted';

/** Why a failure happened, where a caller must tell it apart (the server's 401, 403, 404). */
export type Refusal = 'unauthenticated' | 'denied' | 'missing';

export class CaError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  /** set when the same command with --force would go ahead (the CLI may ask instead) */
  readonly needsForce: boolean;
  readonly refusal: Refusal | undefined;

  constructor(kind: ErrorKind, message: string, hint?: string, needsForce = false, refusal?: Refusal) {
    super(message);
    this.name = 'CaError';
    this.kind = kind;
    this.hint = hint;
    this.needsForce = needsForce;
    this.refusal = refusal;
  }
}

/** A credential that is missing or not valid. */
export function unauthenticated(message: string, hint?: string): CaError {
  return new CaError('failure', message, hint, false, 'unauthenticated');
}

/** A valid credential that does not allow what was asked. */
export function denied(message: string, hint?: string): CaError {
  return new CaError('failure', message, hint, false, 'denied');
}

/** What was asked for does not exist. */
export function missing(message: string, hint?: string): CaError {
  return new CaError('failure', message, hint, false, 'missing');
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

/** Ctrl-C at a prompt: nothing was done, and nothing is reported (exit 130, as shells do for SIGINT). */
export function interrupted(): CaError {
  return new CaError('interrupted', 'interrupted');
}
