package io.granary.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a transfer on stderr: on a terminal one bar line redrawn with {@code \r}, else a
 * plain line at most every second; then a summary line either way.
 */
final class Progress {
  private static final long BAR_EVERY_NS = 100_000_000L;
  private static final long LINE_EVERY_NS = 1_000_000_000L;
  private static final int BAR_WIDTH = 24;

  private final PrintWriter err;
  private final boolean terminal;
  private final String verb;
  private final long start = System.nanoTime();
  private long lastDraw;
  private int drawn;
  private long filesDone;
  private long filesTotal;
  private long bytesDone;
  private long bytesTotal;

  Progress(PrintWriter err, boolean terminal, String verb) {
    this.err = err;
    this.terminal = terminal;
    this.verb = verb;
    this.lastDraw = terminal ? start - BAR_EVERY_NS : start; // a bar shows at once, plain lines after a second
  }

  long elapsedNanos() {
    return System.nanoTime() - start;
  }

  void totals(long files, long bytes) {
    filesTotal = files;
    bytesTotal = bytes;
  }

  /** Bytes moved (of the file in flight). */
  void addBytes(long n) {
    bytesDone += n;
    maybeDraw();
  }

  void fileDone() {
    filesDone++;
    maybeDraw();
  }

  /** Absolute counts, as a server reports them. */
  void set(long filesDone, long filesTotal, long bytesDone, long bytesTotal) {
    this.filesDone = filesDone;
    this.filesTotal = filesTotal;
    this.bytesDone = bytesDone;
    this.bytesTotal = bytesTotal;
    maybeDraw();
  }

  long bytesDone() {
    return bytesDone;
  }

  long filesDone() {
    return filesDone;
  }

  /** A line of its own (a failure, say), without mangling the bar. */
  void message(String line) {
    clearBar();
    err.println(line);
    err.flush();
  }

  /** Replaces the bar with the summary. */
  void finish(String summary) {
    clearBar();
    err.println(summary);
    err.flush();
  }

  private void maybeDraw() {
    long now = System.nanoTime();
    if (now - lastDraw < (terminal ? BAR_EVERY_NS : LINE_EVERY_NS)) {
      return;
    }
    lastDraw = now;
    long elapsed = now - start;
    if (terminal) {
      String line = bar() + "  " + counts() + "  " + Fmt.rate(bytesDone, elapsed);
      err.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
      drawn = line.length();
    } else {
      err.println(verb + ": " + counts() + ", " + Fmt.rate(bytesDone, elapsed) + ", " + Fmt.seconds(elapsed));
    }
    err.flush();
  }

  private String counts() {
    String files = filesTotal > 0 ? filesDone + "/" + filesTotal + " files" : filesDone + " files";
    String bytes = bytesTotal > 0 ? Fmt.bytes(bytesDone) + "/" + Fmt.bytes(bytesTotal) : Fmt.bytes(bytesDone);
    return files + ", " + bytes;
  }

  private String bar() {
    double f = bytesTotal > 0 ? (double) bytesDone / bytesTotal : filesTotal > 0 ? (double) filesDone / filesTotal : 0;
    f = Math.max(0, Math.min(1, f));
    int full = (int) Math.round(f * BAR_WIDTH);
    return "[" + "#".repeat(full) + "-".repeat(BAR_WIDTH - full) + "] " + String.format(Locale.ROOT, "%3d%%", (int) (f * 100));
  }

  private void clearBar() {
    if (terminal && drawn > 0) {
      err.print("\r" + " ".repeat(drawn) + "\r");
      drawn = 0;
    }
  }
}
