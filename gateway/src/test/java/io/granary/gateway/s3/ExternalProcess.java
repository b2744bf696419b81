package io.granary.gateway.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external client (python3, aws) with a clean AWS environment and a hard timeout. */
final class ExternalProcess {
  static final Duration TIMEOUT = Duration.ofSeconds(120);

  /** What a finished process printed; its toString goes into assertion messages. */
  record Result(List<String> command, int exit, String out, String err, long millis) {
    @Override
    public String toString() {
      return "`" + String.join(" ", command) + "` exited " + exit + " after " + millis + " ms\n--- stdout ---\n"
          + tail(out) + "\n--- stderr ---\n" + tail(err);
    }

    private static String tail(String s) {
      return s.length() <= 20_000 ? s : "[... " + (s.length() - 20_000) + " chars ...]\n" + s.substring(s.length() - 20_000);
    }
  }

  private ExternalProcess() {}

  /**
   * Runs {@code command} in {@code workDir}. Every inherited AWS_* variable (and PYTHONPATH, so the
   * system python sees only its own packages) is dropped before {@code env} is applied.
   */
  static Result run(Path workDir, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile(workDir, "stdout", ".txt");
    Path err = Files.createTempFile(workDir, "stderr", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    Map<String, String> e = pb.environment();
    e.keySet().removeIf(k -> k.startsWith("AWS_") || k.equals("PYTHONPATH") || k.equals("PYTHONHOME"));
    e.putAll(env);
    long start = System.nanoTime();
    Process p = pb.start();
    boolean done = p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    Result r = new Result(command, done ? p.exitValue() : -1, new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
        new String(Files.readAllBytes(err), StandardCharsets.UTF_8), millis);
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    if (!done) {
      throw new AssertionError("timed out after " + TIMEOUT + ": " + r);
    }
    return r;
  }
}
