// A benchmark that must not run says why and what to do, and exits with EX_TEMPFAIL instead of a stack trace.

export class Refused extends Error {}

export const refusedExitCode = 75;
