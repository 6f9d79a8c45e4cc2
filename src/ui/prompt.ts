/**
 * Hidden-input prompts on the terminal, through @inquirer/prompts (loaded only when a prompt is
 * shown: it costs ~60 ms of start-up). Prompts are written to stderr so stdout stays for results.
 */
import { interrupted } from '../error.js';

/**
 * Ctrl-C at a prompt makes inquirer reject with ExitPromptError ("User force closed the prompt
 * with SIGINT"): that is the person stopping the command, not an error to report.
 */
async function asked<T>(prompt: Promise<T>): Promise<T> {
  try {
    return await prompt;
  } catch (err) {
    if ((err as Error | undefined)?.name === 'ExitPromptError') throw interrupted();
    throw err;
  }
}

export async function askSecret(message: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  return asked(password({ message, mask: false }, { output: process.stderr }));
}

/** Asks twice; an empty answer is allowed and means "none". */
export async function askNewSecret(message: string, minLength = 0): Promise<string> {
  for (;;) {
    const first = await askSecret(message);
    if (first === '') return '';
    if (first.length < minLength) {
      process.stderr.write(`At least ${minLength} characters, please.\n`);
      continue;
    }
    const second = await askSecret('Again, to confirm:');
    if (first === second) return first;
    process.stderr.write('The two entries differ; try again.\n');
  }
}

export async function askText(message: string, fallback: string): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return asked(input({ message, default: fallback }, { output: process.stderr }));
}

export async function askConfirm(message: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return asked(confirm({ message, default: false }, { output: process.stderr }));
}
