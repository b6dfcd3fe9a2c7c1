/** A template that cannot be loaded or rendered. Names the file and the reason, never patient values. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';

  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file} ${reason}`, options);
  }
}
