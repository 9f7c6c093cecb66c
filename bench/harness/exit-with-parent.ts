/**
 * Loaded (`node --import`) into every broker and CLI process that a test or a benchmark spawns: the process ends as
 * soon as its parent does. The parent holds the other end of an IPC channel (see spawnBrook); the kernel closes it
 * when the parent dies in any way, SIGKILL included, which is how tap ends a test file that ran past its timeout,
 * before the test's teardown could stop the brokers it had started.
 */
if (process.channel !== undefined) {
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGKILL');
  });
  // The channel alone must not keep a process alive that has finished its work.
  process.channel.unref();
}
