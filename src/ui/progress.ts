/** A one-line spinner on stderr for slow steps (4096-bit keys, --count). Only on a terminal. */
const FRAMES = ['|', '/', '-', '\\'];

export interface Progress {
  update(text: string): void;
  stop(): void;
}

export function startProgress(text: string, enabled: boolean): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  let label = text;
  let frame = 0;
  const draw = () => process.stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${label}`);
  draw();
  const timer = setInterval(draw, 100);
  return {
    update(next: string) {
      label = next;
      draw();
    },
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[2K');
    },
  };
}
