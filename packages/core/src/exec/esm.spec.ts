import { loadExeca, loadPLimit } from './esm';

describe('ESM bridge', () => {
  it('runs a real child process through execa', async () => {
    const { execa } = await loadExeca();
    const result = await execa('node', ['-e', 'process.stdout.write("hello")']);
    expect(result.stdout).toBe('hello');
  });

  it('limits concurrency with the real p-limit', async () => {
    const pLimit = await loadPLimit();
    const limit = pLimit(2);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
    };
    await Promise.all(Array.from({ length: 6 }, () => limit(task)));
    expect(peak).toBe(2);
  });
});
